/**
 * tenantdb verify: the catalogue lints and the live probe on every backend, deliberately broken
 * fixtures that must each fail naming the object, and the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/index.ts';
import type { RawSession } from '../src/db/database.ts';
import type { CheckItem } from '../src/verify/check.ts';
import { LINT_FAMILIES, lintCatalogue } from '../src/verify/lints/index.ts';
import { probeIsolation } from '../src/verify/probe.ts';
import { ATTACK_VARIANTS, ATTACKS, verify } from '../src/verify/index.ts';
import { backend, createTestDatabase, isCitus, isServer, type TestDatabase } from './helpers/backend.ts';

/** The CLI test's timeout on Citus (see the test). */
const CITUS_VERIFY_TIMEOUT = isCitus ? 300_000 : undefined;

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/tenantdb.js', import.meta.url));

let t: TestDatabase;
let db: Database;
beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

/** Runs `fn` after `breakIt` in one transaction that is always rolled back. */
async function inBrokenFixture<T>(breakIt: string, fn: (s: RawSession) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await db
    .rawTransaction(async (s) => {
      await s.exec(breakIt);
      result = await fn(s);
      throw new Error('rollback');
    })
    .catch((e: Error) => {
      if (e.message !== 'rollback') throw e;
    });
  return result as T;
}
const failures = (items: CheckItem[]) => items.filter((i) => !i.ok).map((i) => `${i.check} | ${i.object}`);

it(`verify on a migrated database: every check passes and every attack is refused (${backend})`, async () => {
  const report = await verify(db);
  console.log(
    `verify [${backend}]: ${report.checks} checks, ${report.failed} failed; ${report.attacks} attacks tried, ${report.leaks} leaks`,
  );
  expect(failures(report.items)).toEqual([]);
  expect(report.leaks).toBe(0);
  expect(report.checks).toBeGreaterThan(300);
  expect(report.attacks).toBeGreaterThan(1000);
  const [left] = await db.rawQuery<{ n: number }>('select count(*)::int as n from tenants');
  expect(left?.n).toBe(0); // the probe's tenants and rows were rolled back
});

it('every lint has a stable id <family>.<name>, and every catalogue item names one', async () => {
  const ids = LINT_FAMILIES.flatMap((f) => f.lints.map((l) => l.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(LINT_FAMILIES.map((f) => f.name)).size).toBe(LINT_FAMILIES.length);
  for (const family of LINT_FAMILIES) {
    for (const l of family.lints) expect(l.id).toMatch(new RegExp(`^${family.name}\\.[a-z0-9]+(-[a-z0-9]+)*$`));
  }
  const items = await db.rawTransaction((s) => lintCatalogue(s));
  const known = new Set<string>(ids);
  expect(items.filter((i) => !known.has(i.id ?? ''))).toEqual([]);
  // A family filter runs exactly that family's lints.
  const roles = await db.rawTransaction((s) => lintCatalogue(s, { families: ['role'] }));
  expect(roles.length).toBeGreaterThan(0);
  expect(roles.every((i) => i.id?.startsWith('role.'))).toBe(true);
  expect(roles).toEqual(items.filter((i) => i.id?.startsWith('role.')));
  console.log(`verify [${backend}]: ${ids.length} lints in ${LINT_FAMILIES.length} families, ${items.length} items`);
});

it('the probe tries each attack of ATTACKS, in each of ATTACK_VARIANTS, both ways, on every tenant table', async () => {
  const ids = ATTACKS.map((a) => a.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids) expect(id).toMatch(/^[a-z]+(-[a-z]+)*$/);
  const report = await verify(db, { families: [] }); // the probe alone
  const attacks = report.items.filter((i) => i.attack);
  expect(attacks.length).toBe(report.items.length);
  const tables = new Set(attacks.map((i) => i.object.split(' ')[0]));
  const perAttack = new Map<string, number>();
  for (const item of attacks) perAttack.set(item.id ?? '', (perAttack.get(item.id ?? '') ?? 0) + 1);
  expect([...perAttack.keys()].sort()).toEqual(ids.map((id) => `attack.${id}`).sort());
  // Each attack that applies to every table: once per table, variant and direction.
  const everywhere = 2 * ATTACK_VARIANTS.length * tables.size;
  for (const id of ['select', 'update', 'delete', 'insert-other-tenant', 'change-tenant-id', 'copy-to']) {
    expect(perAttack.get(`attack.${id}`), id).toBe(everywhere);
  }
  for (const variant of ATTACK_VARIANTS) {
    expect(attacks.filter((i) => i.object.endsWith(`, ${variant.name})`)).length).toBe(
      attacks.length / ATTACK_VARIANTS.length,
    );
  }
  console.log(
    `verify [${backend}]: ${ATTACKS.length} attacks × ${ATTACK_VARIANTS.length} variants × 2 directions on ${tables.size} tables: ${attacks.length} tried`,
  );
});

describe('broken fixtures: verify fails, naming the object', () => {
  const cases: [string, string, RegExp][] = [
    ['a table without FORCE', 'ALTER TABLE messages NO FORCE ROW LEVEL SECURITY', /^RLS forced \| public\.messages$/],
    [
      'a policy with per-row current_setting',
      `CREATE POLICY per_row ON messages AS PERMISSIVE FOR SELECT TO tenantdb_app
         USING (tenant_id = current_setting('app.current_tenant_id')::uuid)`,
      /^policy in initPlan form \| public\.messages\.per_row USING$/,
    ],
    [
      'an app role with BYPASSRLS',
      'ALTER ROLE tenantdb_app BYPASSRLS',
      /^application role does not bypass RLS \| tenantdb_app$/,
    ],
    [
      'a SECURITY DEFINER function without search_path',
      `CREATE FUNCTION public.leaky_definer() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'select count(*) from messages'`,
      /^SECURITY DEFINER has a fixed search_path \| leaky_definer\(\)$/,
    ],
    [
      'a view without security_invoker',
      `CREATE VIEW public.all_messages AS SELECT * FROM messages; GRANT SELECT ON public.all_messages TO tenantdb_app`,
      /^view is security_invoker \| all_messages$/,
    ],
    [
      'a table neither tenant-scoped nor declared global',
      'CREATE TABLE public.stray (id int)',
      /^declared global \| public\.stray$/,
    ],
  ];
  it.each(cases)('%s', async (_name, breakIt, expected) => {
    const items = await inBrokenFixture(breakIt, (s) => lintCatalogue(s));
    expect(
      failures(items).some((f) => expected.test(f)),
      failures(items).join('\n'),
    ).toBe(true);
  });

  // Skipped on Citus: it refuses the fixture itself (a unique index without the distribution
  // column), so there such a foreign key cannot exist.
  it.skipIf(isCitus)('a foreign key without tenant_id', async () => {
    const items = await inBrokenFixture(
      `CREATE UNIQUE INDEX conversations_id_only ON conversations (id);
       ALTER TABLE messages ADD CONSTRAINT messages_bare_fk FOREIGN KEY (conversation_id) REFERENCES conversations (id)`,
      (s) => lintCatalogue(s),
    );
    expect(
      failures(items).some((f) => /^foreign key includes tenant_id \| messages\.messages_bare_fk$/.test(f)),
      failures(items).join('\n'),
    ).toBe(true);
  });

  // Skipped on Citus: there is no restrictive policy to drop (distribute folds it into the
  // permissive-only form), and the DDL and the probe's writes as tenantdb_app cannot share a
  // transaction there; test/citus.test.ts weakens a shard's policy instead.
  it.skipIf(isCitus)('the probe reports leaks when the restrictive tenant policy is dropped', async () => {
    const items = await inBrokenFixture('DROP POLICY messages_tenant_isolation ON messages', (s) => probeIsolation(s));
    const leaks = items.filter((i) => i.leak);
    console.log(`verify [${backend}]: without messages_tenant_isolation the probe saw ${leaks.length} leaks`);
    expect(leaks.length).toBeGreaterThan(0);
    expect(leaks.every((i) => i.object.startsWith('messages '))).toBe(true);
    // The one-round-trip variant (open_context and the attack in one pipeline) sees them too.
    const pipelined = leaks.filter((i) => i.object.endsWith(', one round trip)')).map((i) => i.check);
    expect(pipelined).toEqual(
      expect.arrayContaining(['attack: select', 'attack: update', 'attack: delete', 'attack: COPY TO']),
    );
  });
});

describe('the CLI', () => {
  const run = (args: string[]) =>
    spawnSync('node', [bin, ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, DATABASE_URL: undefined },
    });

  it(
    'verify --json exits 0 on a migrated database and non-zero on a broken one, naming the object',
    async () => {
      let target: string[];
      let dir: string | undefined;
      let broken: TestDatabase | undefined;
      if (isServer) {
        broken = await createTestDatabase();
        target = ['--url', broken.url as string];
      } else {
        dir = mkdtempSync(`${tmpdir()}/tenantdb-verify-`);
        target = ['--data-dir', dir];
        expect(run(['migrate', ...target]).status).toBe(0);
      }
      try {
        const good = run(['verify', '--json', ...target]);
        expect(good.status, good.stderr).toBe(0);
        const report = JSON.parse(good.stdout) as { checks: number; failed: number; leaks: number };
        expect(report).toMatchObject({ failed: 0, leaks: 0 });
        expect(report.checks).toBeGreaterThan(1000);
        // Break it for real (committed), then verify again.
        const admin = isServer ? (broken as TestDatabase).db : await createDatabase({ dataDir: dir });
        await admin.rawQuery('ALTER TABLE messages NO FORCE ROW LEVEL SECURITY');
        if (!isServer) await admin.close();
        const bad = run(['verify', '--json', ...target]);
        expect(bad.status).toBe(1);
        const badReport = JSON.parse(bad.stdout) as {
          failed: number;
          items: { check: string; object: string; ok: boolean }[];
        };
        expect(badReport.items.filter((i) => !i.ok)).toEqual([
          expect.objectContaining({ check: 'RLS forced', object: 'public.messages' }),
        ]);
        expect(badReport.items.filter((i) => !i.ok)).toEqual([expect.objectContaining({ id: 'table.rls-forced' })]);
        const human = run(['verify', ...target]);
        expect(human.status).toBe(1);
        expect(human.stdout).toMatch(
          /FAILED \(1\)[\s\S]*public\.messages\s+RLS forced\s+ALTER TABLE public\.messages FORCE ROW LEVEL SECURITY/,
        );
        expect(human.stdout).toMatch(/^table\.rls-forced\s+public\.messages\s+RLS forced\s/m);
        const doctor = run(['doctor', ...target]);
        expect(doctor.status, doctor.stdout).toBe(0);
        expect(doctor.stdout).toMatch(/migration applied and unchanged/);
        // Doctor's lint families: the application role, its grants and the server.
        for (const check of ['application role is not superuser', 'tenantdb_app has DML only', 'server has the CVE']) {
          expect(doctor.stdout).toContain(check);
        }
        expect(doctor.stdout).not.toContain('RLS forced');
      } finally {
        await broken?.dispose();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
      // On Citus: two verify runs (38 s each alone) and a database of its own, 102–110 s in earlier
      // CI runs beside other files, too close to the default 120 s.
    },
    CITUS_VERIFY_TIMEOUT,
  );
});
