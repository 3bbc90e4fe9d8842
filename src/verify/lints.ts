import type { RawSession } from '../db/database.ts';
import { APP_ROLE, SYSTEM_ROLE } from '../tenancy/roles.ts';
import type { CheckItem } from './check.ts';

export interface LintOptions {
  /** Schemas holding application tables. Default: ['public']. */
  schemas?: string[];
  /** The application role. Default: tenantdb_app. */
  appRole?: string;
}

interface TableRow {
  oid: number;
  name: string;
  tenant_attnum: number | null;
  tenant_notnull: boolean | null;
  rls: boolean;
  forced: boolean;
  global_reason: string | null;
}

interface PolicyRow {
  table_oid: number;
  name: string;
  cmd: string;
  permissive: boolean;
  roles: string[];
  qual: string | null;
  with_check: string | null;
}

/** First minor release of each major with the CVE-2025-1094 fix (libpq quoting). */
const CVE_2025_1094_FIXED: Record<number, number> = { 13: 19, 14: 16, 15: 11, 16: 7, 17: 3 };

/**
 * Read-only lints of the catalogue: the isolation contract of DESIGN.md checked table by table,
 * plus the application role, SECURITY DEFINER functions, views and the server version.
 */
export async function lintCatalogue(session: RawSession, options: LintOptions = {}): Promise<CheckItem[]> {
  const schemas = options.schemas ?? ['public'];
  const app = options.appRole ?? APP_ROLE;
  const items: CheckItem[] = [];
  const add = (check: string, object: string, ok: boolean, detail: string) => items.push({ check, object, ok, detail });

  const [registry] = await session.query<{ exists: boolean }>(
    `select to_regclass('tenantdb.global_tables') is not null as exists`,
  );
  const tables = await session.query<TableRow>(
    `select c.oid::int as oid, n.nspname || '.' || c.relname as name,
            a.attnum::int as tenant_attnum, a.attnotnull as tenant_notnull,
            c.relrowsecurity as rls, c.relforcerowsecurity as forced,
            ${registry?.exists ? `(select g.reason from tenantdb.global_tables g where g.table_name = n.nspname || '.' || c.relname)` : 'null::text'} as global_reason
     from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
     left join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
     where c.relkind in ('r', 'p') and n.nspname = any($1::text[]) and not c.relispartition
     order by 2`,
    [schemas],
  );
  const policies = await session.query<PolicyRow>(
    `select p.polrelid::int as table_oid, p.polname as name, p.polcmd::text as cmd, p.polpermissive as permissive,
            array(select case when r = 0 then 'public' else pg_get_userbyid(r) end from unnest(p.polroles) r) as roles,
            pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
     from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1::text[])`,
    [schemas],
  );
  const tenantOids = new Set(tables.filter((t) => t.tenant_attnum !== null).map((t) => t.oid));
  const appliesToApp = (p: PolicyRow) => p.roles.includes('public') || p.roles.includes(app);

  for (const table of tables) {
    const own = policies.filter((p) => p.table_oid === table.oid);
    if (table.tenant_attnum === null) {
      add(
        'declared global',
        table.name,
        table.global_reason !== null,
        table.global_reason ??
          `No tenant_id column and not declared global. Declare it with tenantTable() (tenant-scoped) or globalTable() and list it in tenantdb.global_tables with a reason.`,
      );
      for (const p of own.filter(
        (p) => p.permissive && p.qual === 'true' && appliesToApp(p) && table.global_reason === null,
      )) {
        add(
          'no open permissive policy',
          `${table.name}.${p.name}`,
          false,
          `USING (true) on a table that is neither tenant-scoped nor declared global.`,
        );
      }
      continue;
    }
    add(
      'tenant_id not null',
      table.name,
      table.tenant_notnull === true,
      table.tenant_notnull ? 'tenant_id is NOT NULL' : `ALTER TABLE ${table.name} ALTER COLUMN tenant_id SET NOT NULL`,
    );
    add(
      'RLS enabled',
      table.name,
      table.rls,
      table.rls ? 'enabled' : `ALTER TABLE ${table.name} ENABLE ROW LEVEL SECURITY`,
    );
    add(
      'RLS forced',
      table.name,
      table.forced,
      table.forced
        ? 'forced'
        : `ALTER TABLE ${table.name} FORCE ROW LEVEL SECURITY (without it the table owner bypasses RLS)`,
    );

    const restrictive = own.filter(
      (p) =>
        !p.permissive && p.cmd === '*' && appliesToApp(p) && mentionsTenant(p.qual) && mentionsTenant(p.with_check),
    );
    add(
      'restrictive tenant policy',
      table.name,
      restrictive.length > 0,
      restrictive.length > 0
        ? `${restrictive.map((p) => p.name).join(', ')} (FOR ALL, USING and WITH CHECK)`
        : `No RESTRICTIVE FOR ALL policy with USING and WITH CHECK on tenant_id = (select tenantdb.current_tenant_id()). Declare the table with tenantTable().`,
    );
    for (const p of own) {
      for (const [part, expr] of [
        ['USING', p.qual],
        ['WITH CHECK', p.with_check],
      ] as const) {
        if (expr === null) continue;
        const problem = policyProblem(expr);
        if (problem !== undefined || /current_tenant_id|current_setting/i.test(expr)) {
          add(
            'policy in initPlan form',
            `${table.name}.${p.name} ${part}`,
            problem === undefined,
            problem ?? 'context read once per statement',
          );
        }
      }
    }
    for (const p of own.filter((p) => p.permissive && (p.qual === 'true' || p.with_check === 'true'))) {
      add(
        'open permissive policy is fenced',
        `${table.name}.${p.name}`,
        restrictive.length > 0,
        restrictive.length > 0
          ? 'ANDed with the restrictive tenant policy'
          : 'A permissive (true) policy with no restrictive tenant policy exposes every tenant.',
      );
    }
  }

  // Keys and indexes of tenant tables.
  const indexes = await session.query<{
    table_oid: number;
    table: string;
    name: string;
    unique: boolean;
    primary: boolean;
    keys: number[];
  }>(
    `select i.indrelid::int as table_oid, i.indrelid::regclass::text as table, i.indexrelid::regclass::text as name,
            i.indisunique as unique, i.indisprimary as primary, i.indkey::int2[]::int[] as keys
     from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = any($1::text[])`,
    [schemas],
  );
  for (const table of tables.filter((t) => tenantOids.has(t.oid))) {
    const own = indexes.filter((i) => i.table_oid === table.oid);
    const leading = own.filter((i) => i.keys[0] === table.tenant_attnum);
    add(
      'tenant-leading index',
      table.name,
      leading.length > 0,
      leading.length > 0 ? (leading[0] as { name: string }).name : `CREATE INDEX ON ${table.name} (tenant_id, …)`,
    );
    const pk = own.find((i) => i.primary);
    add(
      'primary key includes tenant_id',
      table.name,
      pk !== undefined && pk.keys.includes(table.tenant_attnum as number),
      pk ? pk.name : 'no primary key: use (tenant_id, id)',
    );
    for (const u of own.filter((i) => i.unique && !i.primary)) {
      add(
        'unique key includes tenant_id',
        u.name,
        u.keys.includes(table.tenant_attnum as number),
        u.keys.includes(table.tenant_attnum as number)
          ? 'includes tenant_id'
          : `A unique key without tenant_id leaks existence across tenants and cannot be distributed (Citus); add tenant_id to ${u.name}.`,
      );
    }
  }
  const fks = await session.query<{ name: string; table_oid: number; ref_oid: number; table: string; ok: boolean }>(
    `select c.conname as name, c.conrelid::int as table_oid, c.confrelid::int as ref_oid, c.conrelid::regclass::text as table,
            exists (select 1 from unnest(c.conkey, c.confkey) k(a, b)
                    join pg_attribute x on x.attrelid = c.conrelid and x.attnum = k.a
                    join pg_attribute y on y.attrelid = c.confrelid and y.attnum = k.b
                    where x.attname = 'tenant_id' and y.attname = 'tenant_id') as ok
     from pg_constraint c join pg_namespace n on n.oid = c.connamespace
     where c.contype = 'f' and n.nspname = any($1::text[])`,
    [schemas],
  );
  for (const fk of fks.filter((f) => tenantOids.has(f.table_oid) && tenantOids.has(f.ref_oid))) {
    add(
      'foreign key includes tenant_id',
      `${fk.table}.${fk.name}`,
      fk.ok,
      fk.ok
        ? '(tenant_id, …) → (tenant_id, …)'
        : `A reference between tenant tables must be composite (tenant_id, x) → (tenant_id, id), or a row can point at another tenant's row.`,
    );
  }

  // Grants the application role must not have on tenant tables.
  const grants = await session.query<{ table: string; privilege: string }>(
    `select c.oid::regclass::text as table, p.privilege
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     cross join unnest(array['TRUNCATE', 'REFERENCES', 'TRIGGER']) p(privilege)
     where c.relkind in ('r', 'p') and n.nspname = any($1::text[])
       and exists (select 1 from pg_roles where rolname = $2)
       and has_table_privilege($2, c.oid, p.privilege)`,
    [schemas, app],
  );
  for (const table of tables.filter((t) => tenantOids.has(t.oid))) {
    const bad = grants.filter((g) => g.table === table.name || `public.${g.table}` === table.name);
    add(
      `${app} has DML only`,
      table.name,
      bad.length === 0,
      bad.length === 0
        ? 'no TRUNCATE, REFERENCES or TRIGGER'
        : `REVOKE ${bad.map((b) => b.privilege).join(', ')} ON ${table.name} FROM ${app}`,
    );
  }

  await lintRoles(session, app, add);
  await lintFunctionsAndViews(session, schemas, app, add);
  await lintServer(session, add);
  return items;
}

function mentionsTenant(expr: string | null): boolean {
  return expr !== null && /tenant_id/.test(expr) && /current_tenant_id\(\)/.test(expr);
}

/** Why a policy expression is not in initPlan form, or undefined when it is. */
function policyProblem(expr: string): string | undefined {
  if (/current_setting\s*\(/i.test(expr)) {
    return 'Reads current_setting() directly, evaluated for every row: use (select tenantdb.current_tenant_id()).';
  }
  const calls = expr.match(/[\w.]*current_tenant_id\(\)/g) ?? [];
  const wrapped = expr.match(/SELECT\s+[\w.]*current_tenant_id\(\)/gi) ?? [];
  if (calls.length > wrapped.length) {
    return 'Calls current_tenant_id() bare, once per row: write it as (select tenantdb.current_tenant_id()).';
  }
  if (/\bFROM\b/i.test(expr) && /current_tenant_id|tenant_id/.test(expr)) {
    return 'Contains a subquery over a table: slow per row and refused by Citus. Give the table its own tenant_id.';
  }
  return undefined;
}

type Add = (check: string, object: string, ok: boolean, detail: string) => void;

async function lintRoles(session: RawSession, app: string, add: Add): Promise<void> {
  const [role] = await session.query<{
    super: boolean;
    bypass: boolean;
    system_member: boolean;
    owns: number;
    create_schemas: string[];
  }>(
    `select r.rolsuper as super, r.rolbypassrls as bypass,
            exists (select 1 from pg_roles s where s.rolname = $2 and pg_has_role(r.oid, s.oid, 'MEMBER')) as system_member,
            (select count(*)::int from pg_class where relowner = r.oid)
              + (select count(*)::int from pg_proc where proowner = r.oid)
              + (select count(*)::int from pg_namespace where nspowner = r.oid)
              + (select count(*)::int from pg_type t where typowner = r.oid and t.typrelid = 0) as owns,
            array(select nspname::text from pg_namespace
                  where nspname not like 'pg\\_%' and nspname <> 'information_schema'
                    and has_schema_privilege(r.oid, oid, 'CREATE') order by 1) as create_schemas
     from pg_roles r where r.rolname = $1`,
    [app, SYSTEM_ROLE],
  );
  if (!role) {
    add('application role exists', app, false, `Role ${app} does not exist: run tenantdb migrate.`);
    return;
  }
  add(
    'application role is not superuser',
    app,
    !role.super,
    role.super ? `ALTER ROLE ${app} NOSUPERUSER` : 'NOSUPERUSER',
  );
  add(
    'application role does not bypass RLS',
    app,
    !role.bypass,
    role.bypass ? `ALTER ROLE ${app} NOBYPASSRLS` : 'NOBYPASSRLS',
  );
  add(
    'application role owns nothing',
    app,
    role.owns === 0,
    role.owns === 0
      ? 'owns no tables, functions, schemas or types'
      : `${app} owns ${role.owns} objects: owners bypass RLS unless FORCEd and can ALTER them. Reassign them (REASSIGN OWNED BY ${app} TO <owner>).`,
  );
  add(
    'application role cannot CREATE in schemas',
    app,
    role.create_schemas.length === 0,
    role.create_schemas.length === 0
      ? 'no CREATE on any schema'
      : `REVOKE CREATE ON SCHEMA ${role.create_schemas.join(', ')} FROM ${app}`,
  );
  if (app !== SYSTEM_ROLE) {
    add(
      'application role cannot become the system role',
      app,
      !role.system_member || role.super,
      role.system_member && !role.super ? `REVOKE ${SYSTEM_ROLE} FROM ${app}` : `not a member of ${SYSTEM_ROLE}`,
    );
  }
}

async function lintFunctionsAndViews(session: RawSession, schemas: string[], app: string, add: Add): Promise<void> {
  const definers = await session.query<{ name: string; fixed: boolean }>(
    `select p.oid::regprocedure::text as name,
            coalesce(exists (select 1 from unnest(p.proconfig) c where c like 'search\\_path=%'), false) as fixed
     from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
     order by 1`,
  );
  for (const f of definers) {
    add(
      'SECURITY DEFINER has a fixed search_path',
      f.name,
      f.fixed,
      f.fixed
        ? 'SET search_path'
        : `ALTER FUNCTION ${f.name} SET search_path = pg_catalog, pg_temp (otherwise a caller can shadow the objects it uses)`,
    );
  }
  const views = await session.query<{ name: string; kind: string; invoker: boolean; readable: boolean }>(
    `select c.oid::regclass::text as name, c.relkind::text as kind,
            coalesce(c.reloptions::text[] && array['security_invoker=true', 'security_invoker=on', 'security_invoker=1'], false) as invoker,
            exists (select 1 from pg_roles where rolname = $2) and has_table_privilege($2, c.oid, 'SELECT') as readable
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('v', 'm') and n.nspname = any($1::text[]) order by 1`,
    [schemas, app],
  );
  for (const v of views) {
    if (v.kind === 'v') {
      add(
        'view is security_invoker',
        v.name,
        v.invoker || !v.readable,
        v.invoker
          ? 'security_invoker'
          : v.readable
            ? `ALTER VIEW ${v.name} SET (security_invoker = true): otherwise it reads tables with its owner's rights, past RLS`
            : `not readable by ${app}`,
      );
    } else {
      add(
        'no materialized view for the application role',
        v.name,
        !v.readable,
        v.readable
          ? `REVOKE SELECT ON ${v.name} FROM ${app}: a materialized view has no RLS`
          : `not readable by ${app}`,
      );
    }
  }
}

async function lintServer(session: RawSession, add: Add): Promise<void> {
  const [row] = await session.query<{ num: number; version: string }>(
    `select current_setting('server_version_num')::int as num, current_setting('server_version') as version`,
  );
  const num = row?.num ?? 0;
  const major = Math.floor(num / 10000);
  const minor = num % 10000;
  const fixed = CVE_2025_1094_FIXED[major];
  const ok = major > 17 || (fixed !== undefined && minor >= fixed);
  add(
    'server has the CVE-2025-1094 fix',
    `server ${row?.version ?? 'unknown'}`,
    ok,
    ok
      ? `fixed from ${major}.${fixed ?? 0}`
      : fixed === undefined
        ? `PostgreSQL ${major} is out of support: upgrade to a supported major.`
        : `Upgrade to ${major}.${fixed} or later (fixed in 13.19, 14.16, 15.11, 16.7, 17.3).`,
  );
}
