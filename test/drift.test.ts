/**
 * Drift: the committed migrations are exactly what drizzle-kit generates from src/schema (no
 * schema change without a migration), and the migrated catalogue keeps the tenant-table contract
 * (the catalogue lints of tenantdb verify) for every table. Both checks are shown to fail on a
 * deliberate violation.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawSession } from '../src/db/database.ts';
import { globalTables, tenantTables } from '../src/index.ts';
import { LINT_FAMILIES, lintCatalogue, type LintFamilyName, type LintId } from '../src/verify/lints/index.ts';
import '../src/schema/index.ts';
import { backend, createTestDatabase, isCitus, type TestDatabase } from './helpers/backend.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIGRATIONS = join(REPO_ROOT, 'migrations');
const DRIZZLE_KIT = join(REPO_ROOT, 'node_modules', 'drizzle-kit', 'bin.cjs');

describe(`drizzle-kit drift (${backend})`, () => {
  // Inside the repo so the probe schema can import ../../src with `.ts` specifiers, and so --out
  // is a path relative to the repo root (drizzle-kit prefixes it with "./").
  let work: string;
  beforeAll(() => {
    mkdirSync(join(REPO_ROOT, 'test'), { recursive: true });
    work = mkdtempSync(join(REPO_ROOT, 'test', '.tmp-drift-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function copyMigrations(name: string): string {
    const dir = join(work, name);
    cpSync(MIGRATIONS, dir, { recursive: true });
    return dir;
  }

  function generate(schema: string, out: string): { status: number | null; output: string } {
    const result = spawnSync(
      process.execPath,
      [DRIZZLE_KIT, 'generate', '--dialect', 'postgresql', '--schema', schema, '--out', relative(REPO_ROOT, out)],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 90_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  }

  const listFiles = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

  it('generates nothing from src/schema against the committed migrations', () => {
    const out = copyMigrations('migrations');
    const before = listFiles(out);
    const journalBefore = readFileSync(join(out, 'meta', '_journal.json'), 'utf8');

    const { status, output } = generate('./src/schema/index.ts', out);

    expect(status, output).toBe(0);
    expect(output).toMatch(/No schema changes, nothing to migrate/);
    expect(listFiles(out)).toEqual(before);
    expect(readFileSync(join(out, 'meta', '_journal.json'), 'utf8')).toBe(journalBefore);
    console.log(
      `drift: drizzle-kit generate against ${before.filter((f) => /^\d+_.*\.sql$/.test(f)).length} committed migrations: nothing to generate`,
    );
  });

  it('does generate a migration when the schema has a table the migrations lack', () => {
    const out = copyMigrations('migrations-probe');
    const before = listFiles(out);
    const probeDir = join(work, 'probe');
    mkdirSync(probeDir);
    const schemaFile = join(probeDir, 'schema.ts');
    const srcSchema = relative(probeDir, join(REPO_ROOT, 'src', 'schema', 'index.ts'))
      .split('\\')
      .join('/');
    writeFileSync(
      schemaFile,
      `import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
export * from '${srcSchema}';
export const driftProbe = pgTable('drift_probe', { id: uuid('id').primaryKey(), note: text('note') });
`,
    );

    const { status, output } = generate(`./${relative(REPO_ROOT, schemaFile)}`, out);

    expect(status, output).toBe(0);
    const added = listFiles(out).filter((f) => f.endsWith('.sql') && !before.includes(f));
    expect(added, output).toHaveLength(1);
    const text = readFileSync(join(out, added[0] as string), 'utf8');
    expect(text).toMatch(/CREATE TABLE "drift_probe"/);
    // Only the probe table: nothing of the real schema is regenerated.
    expect(text).not.toMatch(/CREATE TABLE "(tenants|users|tenant_members|conversations|messages)"/);
    console.log(`drift: probe table detected, drizzle-kit generated ${added[0]}`);
  });
});

/**
 * The tenant-table contract is what the catalogue lints of these families check (src/verify/lints):
 * the test asserts their report instead of a second copy of the checks. The citus family reports
 * nothing off Citus; on Citus it holds the distributed tables to the permissive-only form.
 */
const CONTRACT_FAMILIES: readonly LintFamilyName[] = ['table', 'policy', 'key', 'grant', 'citus'];

type Problem = { id: string | undefined; object: string };
// Sorted here, not by the server: collations differ between PGlite and a server.
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (problems: Problem[]): Problem[] =>
  [...problems].sort((a, b) => byText(a.object, b.object) || byText(a.id ?? '', b.id ?? ''));

describe(`tenant-table contract in the catalogue (${backend})`, () => {
  let t: TestDatabase;
  const tenantNames = tenantTables().map((x) => x.name);
  const globalNames = globalTables().map((x) => x.name);

  /** The contract lints' failures, and the tables they saw as tenant-scoped and as declared global. */
  const check = async (session: RawSession) => {
    const items = await lintCatalogue(session, { families: CONTRACT_FAMILIES });
    const tablesOf = (id: LintId, ok?: boolean) =>
      items
        .filter((i) => i.id === id && (ok === undefined || i.ok === ok))
        .map((i) => i.object.replace(/^public\./, ''))
        .sort(byText);
    return {
      problems: sorted(items.filter((i) => !i.ok).map((i) => ({ id: i.id, object: i.object }))),
      tenant: tablesOf('table.tenant-id-not-null'),
      global: tablesOf('table.declared-global', true),
    };
  };
  const inSession = <T>(fn: (session: RawSession) => Promise<T>) => t.db.rawTransaction(fn);

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('every public table is registered and every tenant table keeps the contract', async () => {
    expect(tenantNames).toEqual(expect.arrayContaining(['tenant_members', 'conversations', 'messages']));
    expect(globalNames).toEqual(expect.arrayContaining(['tenants', 'users']));

    const { problems, tenant, global } = await inSession(check);
    expect(problems).toEqual([]);
    // The lints see exactly the declared tables: each tenantTable() with a tenant_id, each
    // globalTable() registered, nothing else.
    expect(tenant).toEqual([...tenantNames].sort(byText));
    expect(global).toEqual([...globalNames].sort(byText));

    const [tables] = await t.db.rawQuery<{ n: number }>(
      `select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')`,
    );
    expect(tables?.n).toBe(tenantNames.length + globalNames.length);
    const lints = LINT_FAMILIES.filter((f) => CONTRACT_FAMILIES.includes(f.name)).reduce(
      (n, f) => n + f.lints.length,
      0,
    );
    console.log(
      `drift: ${tables?.n} public tables = ${tenantNames.length} tenant (${tenantNames.join(', ')}) + ${globalNames.length} global (${globalNames.join(', ')}); ${lints} contract lints (${CONTRACT_FAMILIES.join(', ')}), 0 problems`,
    );
  });

  it('tenantdb.global_tables (read by tenantdb verify) lists exactly the globalTable() declarations, with their reasons', async () => {
    const rows = await t.db.rawQuery<{ table_name: string; reason: string }>(
      'select table_name, reason from tenantdb.global_tables order by table_name',
    );
    const declared = globalTables()
      .map((g) => ({ table_name: `public.${g.name}`, reason: g.reason }))
      .sort((a, b) => (a.table_name < b.table_name ? -1 : 1));
    expect(rows).toEqual(declared);
  });

  // Skipped on Citus: it refuses one of the violations outright (a unique index without the
  // distribution column) and has no restrictive policy to weaken; test/citus.test.ts shows the
  // citus lints failing on a weakened shard policy.
  it.skipIf(isCitus)('the contract check reports violations (shown inside a rolled-back transaction)', async () => {
    class Rollback extends Error {}
    let seen: Problem[] = [];
    await expect(
      t.db.rawTransaction(async (session) => {
        await session.exec('ALTER TABLE messages NO FORCE ROW LEVEL SECURITY');
        seen = (await check(session)).problems;
        expect(seen).toEqual([{ id: 'table.rls-forced', object: 'public.messages' }]);

        await session.exec('GRANT TRUNCATE ON conversations TO tenantdb_app');
        await session.exec('CREATE TABLE public.drift_rogue (id int PRIMARY KEY)');
        // Per-row (not initPlan) predicate.
        await session.exec(
          `ALTER POLICY tenant_members_tenant_isolation ON tenant_members
             USING (tenant_id = tenantdb.current_tenant_id()) WITH CHECK (tenant_id = tenantdb.current_tenant_id())`,
        );
        // A reference that ignores the tenant.
        await session.exec('CREATE UNIQUE INDEX drift_conversations_id ON conversations (id)');
        await session.exec(
          'ALTER TABLE messages ADD CONSTRAINT drift_bad_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id)',
        );
        seen = (await check(session)).problems;
        throw new Rollback('undo the violations');
      }),
    ).rejects.toBeInstanceOf(Rollback);

    expect(seen).toEqual([
      { id: 'key.unique-includes-tenant', object: 'drift_conversations_id' },
      { id: 'key.foreign-includes-tenant', object: 'messages.drift_bad_fk' },
      { id: 'grant.app-dml-only', object: 'public.conversations' },
      { id: 'table.declared-global', object: 'public.drift_rogue' },
      { id: 'table.rls-forced', object: 'public.messages' },
      { id: 'policy.initplan', object: 'public.tenant_members.tenant_members_tenant_isolation USING' },
      { id: 'policy.initplan', object: 'public.tenant_members.tenant_members_tenant_isolation WITH CHECK' },
    ]);
    // Rolled back: the catalogue is clean again.
    expect((await inSession(check)).problems).toEqual([]);
    console.log(
      `drift: the contract lints caught ${seen.length} problems from 6 deliberate violations: ${seen.map((p) => `${p.id} ${p.object}`).join('; ')}`,
    );
  });
});
