/**
 * The migrator: applies the committed migrations once, is idempotent, serialises concurrent
 * migrators (in one process, across processes, across databases of one cluster), refuses an
 * applied migration whose file was edited, and leaves the two roles with the right attributes.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MigrationError, type Database } from '../src/index.ts';
import { backend, createTestDatabase, isCitus, isServer, type TestDatabase } from './helpers/backend.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const JOURNAL_TAGS: string[] = (
  JSON.parse(readFileSync(new URL('../migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  }
).entries
  .sort((a, b) => a.idx - b.idx)
  .map((e) => e.tag);
const N = JOURNAL_TAGS.length;

// Every database a test opens is disposed after it, pass or fail.
const opened: TestDatabase[] = [];
async function fresh(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const t = await createTestDatabase(options);
  opened.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.dispose()));
});

async function appliedRows(db: Database): Promise<{ idx: number; tag: string }[]> {
  return db.rawQuery<{ idx: number; tag: string }>('select idx, tag from tenantdb.migrations order by idx');
}

/**
 * A digest of the catalogue the migrations own: relations (kind, RLS flags, owner, ACL), policies
 * (command, permissive/restrictive, roles, expressions), functions (signature, body, owner, ACL),
 * user triggers, and the migrations ledger itself (so a re-insert with a new applied_at shows).
 */
async function catalogueSnapshot(db: Database): Promise<{ digest: string; entries: number }> {
  const [row] = await db.rawQuery<{ digest: string; entries: number }>(`
    select md5(string_agg(x, E'\\n' order by x)) as digest, count(*)::int as entries from (
      select 'class ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || c.relrowsecurity::text || ' '
             || c.relforcerowsecurity::text || ' ' || pg_get_userbyid(c.relowner) || ' ' || coalesce(c.relacl::text, '') as x
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'tenantdb')
      union all
      select 'policy ' || pol.polrelid::regclass::text || ' ' || pol.polname || ' ' || pol.polcmd::text || ' '
             || pol.polpermissive::text || ' ' || pol.polroles::text || ' '
             || coalesce(pg_get_expr(pol.polqual, pol.polrelid), '') || ' '
             || coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '')
        from pg_policy pol
      union all
      select 'proc ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc) || ' ' || pg_get_userbyid(p.proowner)
             || ' ' || coalesce(p.proacl::text, '') || ' ' || coalesce(p.proconfig::text, '')
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'tenantdb')
      union all
      select 'trigger ' || tg.tgrelid::regclass::text || ' ' || tg.tgname
        from pg_trigger tg join pg_class c on c.oid = tg.tgrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'tenantdb') and not tg.tgisinternal
      union all
      select 'migration ' || idx::text || ' ' || tag || ' ' || hash || ' ' || applied_at::text from tenantdb.migrations
    ) s`);
  if (!row) throw new Error('catalogue snapshot returned no row');
  return row;
}

describe(`migrate (${backend})`, () => {
  it('applies every journal migration on a fresh database, then nothing, leaving the catalogue unchanged', async () => {
    const t = await fresh({ migrated: false });
    const first = await migrate(t.db);
    expect(first.applied).toEqual(JOURNAL_TAGS);
    expect(first.alreadyApplied).toBe(0);
    expect(first.contract).toBe('applied');
    expect((await appliedRows(t.db)).map((r) => r.tag)).toEqual(JOURNAL_TAGS);

    const before = await catalogueSnapshot(t.db);
    const lines: string[] = [];
    const second = await migrate(t.db, { log: (line) => lines.push(line) });
    const after = await catalogueSnapshot(t.db);

    expect(second).toEqual({ applied: [], alreadyApplied: N, contract: 'unchanged' });
    expect(lines.some((l) => /nothing to do/.test(l))).toBe(true);
    // Non-trivial snapshot: 5 tables, their indexes, policies and the tenantdb functions at least.
    expect(before.entries).toBeGreaterThan(40);
    expect(after).toEqual(before);
    console.log(
      `migrate: ${N} migrations applied (${JOURNAL_TAGS.join(', ')}); second run applied 0; catalogue ${before.entries} entries, md5 ${before.digest} unchanged`,
    );
  });

  it('two migrators at once apply each migration exactly once', async () => {
    const t = await fresh({ migrated: false });
    // On a server a second pool: real concurrency. On PGlite the same single-connection instance.
    const db2 = await t.connect();
    const [r1, r2] = await Promise.all([migrate(t.db), migrate(db2)]);

    const union = [...r1.applied, ...r2.applied].sort();
    expect(union).toEqual([...JOURNAL_TAGS].sort());
    for (const tag of JOURNAL_TAGS) {
      expect(Number(r1.applied.includes(tag)) + Number(r2.applied.includes(tag))).toBe(1);
    }
    expect(r1.applied.length + r1.alreadyApplied).toBe(N);
    expect(r2.applied.length + r2.alreadyApplied).toBe(N);
    const rows = await appliedRows(t.db);
    expect(rows).toHaveLength(N);
    expect(rows.map((r) => r.tag)).toEqual(JOURNAL_TAGS);
    console.log(
      `migrate: two concurrent migrators applied [${r1.applied.join(', ')}] and [${r2.applied.join(', ')}]; ${rows.length} ledger rows`,
    );
  });

  it('refuses an applied migration whose file has changed (MIGRATION_EDITED)', async () => {
    const t = await fresh();
    await t.db.rawQuery(`update tenantdb.migrations set hash = 'x' where idx = 1`);

    const error = await migrate(t.db).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('MIGRATION_EDITED');
    expect((error as MigrationError).message).toContain(JOURNAL_TAGS[1]);
    // The refusal changed nothing: the ledger still holds the tampered hash.
    const [row] = await t.db.rawQuery<{ hash: string }>('select hash from tenantdb.migrations where idx = 1');
    expect(row?.hash).toBe('x');
    console.log(`migrate: edited ${JOURNAL_TAGS[1]} refused with ${(error as MigrationError).code}`);
  });

  it('leaves tenantdb_app unprivileged and owning nothing, and tenantdb_system BYPASSRLS NOLOGIN', async () => {
    const t = await fresh();
    const roles = await t.db.rawQuery<{
      rolname: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcanlogin: boolean;
      rolcreatedb: boolean;
      rolcreaterole: boolean;
    }>(
      `select rolname, rolsuper, rolbypassrls, rolcanlogin, rolcreatedb, rolcreaterole
         from pg_roles where rolname in ('tenantdb_app', 'tenantdb_system') order by rolname`,
    );
    const app = roles.find((r) => r.rolname === 'tenantdb_app');
    const system = roles.find((r) => r.rolname === 'tenantdb_system');
    expect(app).toMatchObject({ rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false });
    // On Citus, `tenantdb distribute` gives tenantdb_system LOGIN by design: Citus reaches the
    // workers as the current user, so the system context's role must log in there.
    expect(system).toMatchObject({ rolsuper: false, rolbypassrls: true, rolcanlogin: isCitus });

    const [owned] = await t.db.rawQuery<{ classes: number; procs: number; namespaces: number; types: number }>(
      `with app as (select oid from pg_roles where rolname = 'tenantdb_app')
       select (select count(*)::int from pg_class where relowner = (select oid from app)) as classes,
              (select count(*)::int from pg_proc where proowner = (select oid from app)) as procs,
              (select count(*)::int from pg_namespace where nspowner = (select oid from app)) as namespaces,
              (select count(*)::int from pg_type where typowner = (select oid from app)) as types`,
    );
    expect(owned).toEqual({ classes: 0, procs: 0, namespaces: 0, types: 0 });

    const [privileges] = await t.db.rawQuery<{
      public_create: boolean;
      tenantdb_create: boolean;
      tenantdb_usage: boolean;
    }>(
      `select has_schema_privilege('tenantdb_app', 'public', 'CREATE') as public_create,
              has_schema_privilege('tenantdb_app', 'tenantdb', 'CREATE') as tenantdb_create,
              has_schema_privilege('tenantdb_app', 'tenantdb', 'USAGE') as tenantdb_usage`,
    );
    expect(privileges).toEqual({ public_create: false, tenantdb_create: false, tenantdb_usage: true });
    console.log(
      'migrate: tenantdb_app NOSUPERUSER NOBYPASSRLS, owns 0 objects, no CREATE on public/tenantdb; tenantdb_system BYPASSRLS NOLOGIN',
    );
  });
});

// PGlite is one in-process instance with one connection: no second process can reach it, and a
// second "database" would be a second cluster (its own roles), so there is no race to test.
describe.skipIf(!isServer)(`migrate, several processes and databases (${backend})`, () => {
  function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      // No DATABASE_URL in the child: the CLI must use --url, and must never touch the admin database.
      const { DATABASE_URL: _ignored, ...env } = process.env;
      const child = spawn(process.execPath, ['bin/tenantdb.js', ...args], { cwd: REPO_ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('two `tenantdb migrate` processes at once both succeed and apply each migration once', async () => {
    const t = await fresh({ migrated: false });
    const url = t.url as string;
    const [p1, p2] = await Promise.all([runCli(['migrate', '--url', url]), runCli(['migrate', '--url', url])]);
    for (const p of [p1, p2]) {
      expect(p.code, `exit code; stderr: ${p.stderr}`).toBe(0);
      expect(p.stdout).toMatch(/applied|nothing to do/);
    }
    const rows = await appliedRows(t.db);
    expect(rows.map((r) => r.tag)).toEqual(JOURNAL_TAGS);
    console.log(`migrate: two processes exited ${p1.code} and ${p2.code}; ${rows.length} ledger rows`);
  });

  it('migrates two fresh databases of one cluster at the same time (cluster-wide role creation)', async () => {
    const [a, b] = await Promise.all([fresh({ migrated: false }), fresh({ migrated: false })]);
    const [ra, rb] = await Promise.all([migrate(a.db), migrate(b.db)]);
    expect(ra.applied).toEqual(JOURNAL_TAGS);
    expect(rb.applied).toEqual(JOURNAL_TAGS);
    for (const t of [a, b]) {
      expect((await appliedRows(t.db)).map((r) => r.tag)).toEqual(JOURNAL_TAGS);
      const [grants] = await t.db.rawQuery<{ n: number }>(
        `select count(*)::int as n from information_schema.role_table_grants
          where grantee = 'tenantdb_app' and table_schema = 'public' and table_name = 'messages'`,
      );
      // select, insert, update, delete on messages in both databases.
      expect(grants?.n).toBe(4);
    }
    console.log(`migrate: two databases migrated concurrently, ${N} + ${N} migrations applied`);
  });
});
