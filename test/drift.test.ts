/**
 * Drift: the committed migrations are exactly what drizzle-kit generates from src/schema (no
 * schema change without a migration), and the migrated catalogue keeps the tenant-table contract
 * for every table. Both checks are shown to fail on a deliberate violation.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawSession } from '../src/db/database.ts';
import { globalTables, tenantTables } from '../src/index.ts';
import '../src/schema/index.ts';
import { backend, createTestDatabase, type TestDatabase } from './helpers/backend.ts';

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
      `drift: drizzle-kit generate against ${before.filter((f) => f.endsWith('.sql')).length} committed migrations: nothing to generate`,
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
 * The tenant-table contract as the catalogue sees it. One row per problem; [] when all is well.
 * $1: tenant tables, $2: global tables (from the registry).
 */
const CONTRACT_CHECK = `
with tenant as (
  select c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
    from pg_class c
   where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and c.relname = any($1::text[])
),
tid as (
  select a.attrelid, a.attnum, a.attnotnull
    from pg_attribute a join tenant t on t.oid = a.attrelid
   where a.attname = 'tenant_id' and not a.attisdropped
)
select t.relname::text as "table", p.problem
  from tenant t
  cross join lateral (
    select 'RLS not enabled' as problem where not t.relrowsecurity
    union all
    select 'RLS not forced' where not t.relforcerowsecurity
    union all
    select 'no RESTRICTIVE tenant policy in initPlan form' where not exists (
      select 1 from pg_policy pol
       where pol.polrelid = t.oid and not pol.polpermissive and pol.polcmd = '*'
         and pg_get_expr(pol.polqual, pol.polrelid) ~* 'tenant_id\\s*=\\s*\\(\\s*select\\s+tenantdb\\.current_tenant_id\\(\\)'
         and pg_get_expr(pol.polwithcheck, pol.polrelid) ~* 'tenant_id\\s*=\\s*\\(\\s*select\\s+tenantdb\\.current_tenant_id\\(\\)')
    union all
    select 'tenant_id missing or nullable' where not exists (
      select 1 from tid where tid.attrelid = t.oid and tid.attnotnull)
    union all
    select 'primary key does not lead with tenant_id' where not exists (
      select 1 from pg_constraint k join tid on tid.attrelid = k.conrelid
       where k.conrelid = t.oid and k.contype = 'p' and k.conkey[1] = tid.attnum)
    union all
    select 'foreign key ' || f.conname || ' to tenant table ' || f.confrelid::regclass::text || ' without tenant_id'
      from pg_constraint f
     where f.conrelid = t.oid and f.contype = 'f' and f.confrelid in (select oid from tenant)
       and not exists (
         select 1 from tid s, tid d, generate_subscripts(f.conkey, 1) i
          where s.attrelid = f.conrelid and d.attrelid = f.confrelid
            and f.conkey[i] = s.attnum and f.confkey[i] = d.attnum)
    union all
    select 'tenantdb_app has ' || priv || ' privilege'
      from unnest(array['TRUNCATE', 'REFERENCES', 'TRIGGER']) priv
     where has_table_privilege('tenantdb_app', t.oid, priv)
  ) p
union all
select c.relname::text, 'not declared through tenantTable() or globalTable()'
  from pg_class c
 where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
   and not (c.relname = any($1::text[]) or c.relname = any($2::text[]))
union all
select x, 'declared but missing from the database'
  from unnest($1::text[] || $2::text[]) x
 where to_regclass('public.' || quote_ident(x)) is null
`;

type Problem = { table: string; problem: string };
// Sorted here, not by the server: collations differ between PGlite and a server.
const sorted = (problems: Problem[]): Problem[] =>
  [...problems].sort((a, b) => (a.table === b.table ? (a.problem < b.problem ? -1 : 1) : a.table < b.table ? -1 : 1));

describe(`tenant-table contract in the catalogue (${backend})`, () => {
  let t: TestDatabase;
  const tenantNames = tenantTables().map((x) => x.name);
  const globalNames = globalTables().map((x) => x.name);
  const check = async (query: RawSession['query']) =>
    sorted(await query<Problem>(CONTRACT_CHECK, [tenantNames, globalNames]));

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('every public table is registered and every tenant table keeps the contract', async () => {
    expect(tenantNames).toEqual(expect.arrayContaining(['tenant_members', 'conversations', 'messages']));
    expect(globalNames).toEqual(expect.arrayContaining(['tenants', 'users']));

    const problems = await check(t.db.rawQuery);
    expect(problems).toEqual([]);

    const [tables] = await t.db.rawQuery<{ n: number }>(
      `select count(*)::int as n from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')`,
    );
    expect(tables?.n).toBe(tenantNames.length + globalNames.length);
    console.log(
      `drift: ${tables?.n} public tables = ${tenantNames.length} tenant (${tenantNames.join(', ')}) + ${globalNames.length} global (${globalNames.join(', ')}); 0 contract problems`,
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

  it('the contract check reports violations (shown inside a rolled-back transaction)', async () => {
    class Rollback extends Error {}
    let seen: Problem[] = [];
    await expect(
      t.db.rawTransaction(async (session) => {
        await session.exec('ALTER TABLE messages NO FORCE ROW LEVEL SECURITY');
        seen = await check(session.query);
        expect(seen).toEqual([{ table: 'messages', problem: 'RLS not forced' }]);

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
        seen = await check(session.query);
        throw new Rollback('undo the violations');
      }),
    ).rejects.toBeInstanceOf(Rollback);

    expect(seen).toEqual([
      { table: 'conversations', problem: 'tenantdb_app has TRUNCATE privilege' },
      { table: 'drift_rogue', problem: 'not declared through tenantTable() or globalTable()' },
      { table: 'messages', problem: 'RLS not forced' },
      { table: 'messages', problem: 'foreign key drift_bad_fk to tenant table conversations without tenant_id' },
      { table: 'tenant_members', problem: 'no RESTRICTIVE tenant policy in initPlan form' },
    ]);
    // Rolled back: the catalogue is clean again.
    expect(await check(t.db.rawQuery)).toEqual([]);
    console.log(
      `drift: contract check caught ${seen.length} deliberate violations: ${seen.map((p) => `${p.table}: ${p.problem}`).join('; ')}`,
    );
  });
});
