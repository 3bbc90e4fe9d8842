/**
 * The committed catalogue dump (migrations/catalogue.sql) is exactly what the migrations produce,
 * on every backend (PG15 and PGlite's PG17 print it the same), and a change to the catalogue is a
 * visible diff of it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE_FILE, dumpCatalogue, dumpCatalogueIn } from '../scripts/catalogue.ts';
import { backend, createTestDatabase, isCitus, type TestDatabase } from './helpers/backend.ts';

/** The changed lines (`- n: …` committed, `+ n: …` migrated), by a longest-common-subsequence diff. */
function shortDiff(expected: string, actual: string, max = 30): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  // Common lines at both ends are not part of any change.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  const x = a.slice(start, a.length - end);
  const y = b.slice(start, b.length - end);
  // lcs[i * w + j]: the longest common subsequence of x[i..] and y[j..].
  const w = y.length + 1;
  const lcs = new Uint32Array((x.length + 1) * w);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i * w + j] =
        x[i] === y[j]
          ? (lcs[(i + 1) * w + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    }
  }
  const changes: string[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (j >= y.length || (i < x.length && (lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number))) {
      changes.push(`- ${start + i + 1}: ${x[i]}`);
      i++;
    } else {
      changes.push(`+ ${start + j + 1}: ${y[j]}`);
      j++;
    }
  }
  const shown = changes.slice(0, max);
  if (changes.length > max) shown.push(`… and ${changes.length - max} more changed lines`);
  return shown.join('\n');
}

// Skipped on Citus: the committed dump is the catalogue the migrations produce; `tenantdb
// distribute` then changes it there by design (the citus extension, the permissive-only policies,
// NO ACTION for SET NULL keys, tenantdb_system LOGIN), which the citus lints check instead.
describe.skipIf(isCitus)(`catalogue dump (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('migrations/catalogue.sql is the dump of a freshly migrated database', async () => {
    const dump = await dumpCatalogue(t.db);
    const committed = readFileSync(CATALOGUE_FILE, 'utf8');
    if (dump !== committed) {
      expect.fail(
        `migrations/catalogue.sql is stale: run npm run generate\n(- committed, + migrated)\n${shortDiff(committed, dump)}`,
      );
    }
    expect(await dumpCatalogue(t.db)).toBe(dump); // deterministic
    const sections = dump.match(/^-- [a-z ]+$/gm) ?? [];
    console.log(
      `catalogue dump [${backend}]: ${dump.split('\n').length} lines, ${sections.length} sections, up to date`,
    );
  });

  it('a weakened catalogue shows up in the diff (rolled back)', async () => {
    class Rollback extends Error {}
    const committed = readFileSync(CATALOGUE_FILE, 'utf8');
    let diff = '';
    await expect(
      t.db.rawTransaction(async (session) => {
        await session.exec(`DROP POLICY messages_tenant_isolation ON public.messages;
          ALTER TABLE public.messages NO FORCE ROW LEVEL SECURITY;
          GRANT TRUNCATE ON public.conversations TO tenantdb_app;
          ALTER FUNCTION tenantdb.authorize_member(uuid, uuid) RESET search_path`);
        diff = shortDiff(committed, await dumpCatalogueIn(session), 100);
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);

    expect(diff).toMatch(/^- \d+: CREATE POLICY messages_tenant_isolation ON public\.messages AS RESTRICTIVE/m);
    expect(diff).toMatch(/^\+ \d+: ALTER TABLE public\.messages ENABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL/m);
    expect(diff).toMatch(
      /^\+ \d+: GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE public\.conversations TO tenantdb_app;$/m,
    );
    expect(diff).toMatch(/^- \d+: {2}SET search_path TO 'pg_catalog', 'pg_temp'$/m);
    // Rolled back: the catalogue matches the file again.
    expect(await dumpCatalogue(t.db)).toBe(committed);
    console.log(`catalogue dump [${backend}]: 4 deliberate changes, ${diff.split('\n').length} changed lines`);
  });
});
