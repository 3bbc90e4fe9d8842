/**
 * On a Citus coordinator: the schema is distributed the way tenant isolation needs, and the
 * isolation holds on the shards, not only on the coordinator. Reports nothing on a server without
 * the citus extension.
 *
 * Why the shards: Citus 13.2 writes RESTRICTIVE policies to its shards as PERMISSIVE (its
 * shard-policy DDL never emits `AS RESTRICTIVE`), which ORs the tenant predicate away, and a shard
 * moved or recreated (citus_move_shard_placement, a rebalance, a hand edit on a worker) gets its
 * policies again from that DDL. `tenantdb distribute` therefore writes every tenant table's
 * policies in the permissive-only form (each policy carries the tenant predicate itself), and
 * these lints compare every shard's policies and RLS flags with the coordinator's.
 */
import { SYSTEM_ROLE } from '../../contract/roles.ts';
import { quoteIdent } from '../../contract/contract-sql.ts';
import type { RawSession } from '../../db/database.ts';
import type { CatalogueTable } from './catalogue.ts';
import { lint, lintFamily } from './lint.ts';

const DISTRIBUTED = lint('citus.distributed-by-tenant', 'distributed by tenant_id');
const COLOCATED = lint('citus.colocated', 'co-located with the other tenant tables');
const REFERENCE = lint('citus.global-reference', 'global table is a reference table');
const PERMISSIVE_ONLY = lint('citus.permissive-only', 'permissive-only policies carry the tenant predicate');
const SHARD_POLICIES = lint('citus.shard-policies', "every shard's policies equal the coordinator's");
const PROPAGATE_SET = lint('citus.propagate-set-commands', "citus.propagate_set_commands = 'local' on the database");
const ROLES_ON_WORKERS = lint(
  'citus.roles-on-workers',
  (app) => `${app} and ${SYSTEM_ROLE} can log in on every worker`,
);

interface DistRow {
  oid: number;
  method: string;
  column: string | null;
  colocation: number;
  replication: string;
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

/**
 * A table's RLS flags and policies as one JSON text, computed by the same SQL on the coordinator
 * and (through run_command_on_shards, which puts the shard's name for %s) on every shard.
 */
const POLICY_STATE_SQL = `select json_build_object(
    'rls', c.relrowsecurity, 'forced', c.relforcerowsecurity,
    'policies', coalesce((select json_agg(json_build_object(
        'name', p.polname, 'permissive', p.polpermissive, 'cmd', p.polcmd,
        'roles', (select coalesce(json_agg(x.n order by x.n), '[]'::json)
                  from (select case when r = 0 then 'public' else pg_catalog.pg_get_userbyid(r)::text end as n
                        from unnest(p.polroles) r) x),
        'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
        'check', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) order by p.polname)
      from pg_catalog.pg_policy p where p.polrelid = c.oid), '[]'::json))::text
  from pg_catalog.pg_class c where c.oid = '%s'::regclass`;

interface PolicyState {
  rls: boolean;
  forced: boolean;
  policies: {
    name: string;
    permissive: boolean;
    cmd: string;
    roles: string[];
    using: string | null;
    check: string | null;
  }[];
}

/** What differs between a shard's policy state and the coordinator's, or undefined. */
function difference(coordinator: PolicyState, shard: PolicyState): string | undefined {
  if (shard.rls !== coordinator.rls || shard.forced !== coordinator.forced) {
    return `RLS enabled/forced ${String(shard.rls)}/${String(shard.forced)} (coordinator: ${String(coordinator.rls)}/${String(coordinator.forced)})`;
  }
  const names = new Set([...coordinator.policies, ...shard.policies].map((p) => p.name));
  for (const name of [...names].sort()) {
    const c = coordinator.policies.find((p) => p.name === name);
    const s = shard.policies.find((p) => p.name === name);
    if (c === undefined)
      return `policy ${name} exists only on the shard (${s?.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'})`;
    if (s === undefined) return `policy ${name} is missing on the shard`;
    if (c.permissive !== s.permissive) {
      return `policy ${name} is ${s.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} on the shard, ${c.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} on the coordinator`;
    }
    if (c.cmd !== s.cmd || JSON.stringify(c.roles) !== JSON.stringify(s.roles)) {
      return `policy ${name} applies to other commands or roles on the shard`;
    }
    if (c.using !== s.using) return `policy ${name} USING differs: ${s.using ?? '(none)'}`;
    if (c.check !== s.check) return `policy ${name} WITH CHECK differs: ${s.check ?? '(none)'}`;
  }
  return undefined;
}

/** `(a)` → `a` while the outer parentheses enclose the whole expression. */
function stripParens(expression: string): string {
  let text = expression.trim();
  while (text.startsWith('(') && closingOf(text) === text.length - 1) text = text.slice(1, -1).trim();
  return text;
}

/** The index of the parenthesis that closes `text[0]`, quotes respected. */
function closingOf(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The top-level conjuncts of a policy expression: `(a) AND (b OR c)` → `a`, `b OR c`. */
export function conjuncts(expression: string): string[] {
  const text = stripParens(expression);
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(' AND ', i)) {
      parts.push(stripParens(text.slice(start, i)));
      start = i + 5;
      i += 4;
    }
  }
  parts.push(stripParens(text.slice(start)));
  return parts;
}

const TENANT_PREDICATE = 'tenant_id = tenantdb.current_tenant_id()';

/**
 * Whether the expression holds the tenant predicate as a top-level conjunct (so nothing ORed in
 * can widen it): bare, or inside tenantdb.policy_check(), which refuses the row when it is false.
 */
export function carriesTenantPredicate(expression: string | null): boolean {
  if (expression === null) return false;
  return conjuncts(expression).some(
    (part) => part === TENANT_PREDICATE || part.startsWith(`tenantdb.policy_check((${TENANT_PREDICATE}), `),
  );
}

/** Why a policy of a distributed tenant table does not carry the tenant predicate, or undefined. */
function policyProblem(p: PolicyRow): string | undefined {
  if (!p.permissive) {
    return `${p.name} is RESTRICTIVE: Citus writes it to the shards as PERMISSIVE, where it widens instead of narrowing. Run tenantdb distribute (it rewrites the table's policies into the permissive-only form).`;
  }
  const reads = p.cmd === 'r' || p.cmd === 'w' || p.cmd === 'd' || p.cmd === '*';
  const writes = p.cmd === 'a' || p.cmd === 'w' || p.cmd === '*';
  if (reads && !carriesTenantPredicate(p.qual)) {
    return `${p.name} USING (${p.qual ?? 'none'}) does not AND ${TENANT_PREDICATE}: it exposes other tenants' rows.`;
  }
  if (writes && !carriesTenantPredicate(p.with_check ?? p.qual)) {
    return `${p.name} WITH CHECK (${p.with_check ?? p.qual ?? 'none'}) does not AND ${TENANT_PREDICATE}: it lets rows into other tenants.`;
  }
  return undefined;
}

async function citusVersion(session: RawSession): Promise<string | undefined> {
  const [row] = await session.query<{ version: string | null }>(
    `select (select extversion from pg_catalog.pg_extension where extname = 'citus') as version`,
  );
  return row?.version ?? undefined;
}

export const citusLints = lintFamily({
  name: 'citus',
  lints: [DISTRIBUTED, COLOCATED, REFERENCE, PERMISSIVE_ONLY, SHARD_POLICIES, PROPAGATE_SET, ROLES_ON_WORKERS],
  async run({ session, app, tables }, report) {
    if ((await citusVersion(session)) === undefined) return;
    const all = await tables();
    const dist = new Map(
      (
        await session.query<DistRow>(
          `select logicalrelid::oid::int as oid, partmethod::text as method,
                  case when partkey is null then null else pg_catalog.column_to_column_name(logicalrelid, partkey) end as column,
                  colocationid::int as colocation, repmodel::text as replication
           from pg_catalog.pg_dist_partition`,
        )
      ).map((r) => [r.oid, r]),
    );
    const tenant = all.filter((t) => t.tenant_attnum !== null);
    const global = all.filter((t) => t.tenant_attnum === null && t.global_reason !== null);

    // 1. Distribution: tenant tables hash-distributed on tenant_id, all in one co-location group.
    const groups = new Map<number, number>();
    for (const t of tenant) {
      const d = dist.get(t.oid);
      const ok = d?.method === 'h' && d.column === 'tenant_id';
      if (ok) groups.set(d.colocation, (groups.get(d.colocation) ?? 0) + 1);
      report(
        DISTRIBUTED,
        t.name,
        ok,
        ok
          ? `hash-distributed on tenant_id (co-location group ${d.colocation})`
          : d === undefined
            ? `Not distributed: every tenant query runs on the coordinator's empty shell or local table. Run tenantdb distribute.`
            : `Distributed by ${d.method === 'h' ? (d.column ?? '?') : `method ${d.method}`}, not hash on tenant_id: a tenant's rows do not live together. Undistribute it (undistribute_table) and run tenantdb distribute.`,
      );
    }
    const main = [...groups.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    for (const t of tenant) {
      const d = dist.get(t.oid);
      if (d?.method !== 'h' || d.column !== 'tenant_id') continue;
      report(
        COLOCATED,
        t.name,
        d.colocation === main,
        d.colocation === main
          ? `co-location group ${d.colocation}`
          : `Co-location group ${d.colocation}, the other tenant tables are in ${String(main)}: its foreign keys and joins leave the node. SELECT update_distributed_table_colocation('${t.name}', colocate_with => '<another tenant table>').`,
      );
    }
    for (const g of global) {
      const d = dist.get(g.oid);
      const ok = d?.method === 'n' && d.replication === 't';
      report(
        REFERENCE,
        g.name,
        ok,
        ok
          ? 'reference table (a copy on every node)'
          : `Not a reference table: tenant tables' foreign keys to it and joins with it cannot run on the workers. Run tenantdb distribute.`,
      );
    }

    // 2. The permissive-only form on the coordinator.
    const policies = await session.query<PolicyRow>(
      `select p.polrelid::int as table_oid, p.polname as name, p.polcmd::text as cmd, p.polpermissive as permissive,
              array(select case when r = 0 then 'public' else pg_get_userbyid(r) end from unnest(p.polroles) r) as roles,
              pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
       from pg_policy p order by p.polname`,
    );
    const appliesToApp = (p: PolicyRow) => p.roles.includes('public') || p.roles.includes(app);
    for (const t of tenant.filter((x) => dist.get(x.oid)?.method === 'h')) {
      const own = policies.filter((p) => p.table_oid === t.oid && (appliesToApp(p) || !p.permissive));
      const problems = own.map(policyProblem).filter((x): x is string => x !== undefined);
      if (own.length === 0)
        problems.push(
          'No policy applies to the application role: it sees nothing (fail closed), but the table is not in tenantdb form. Run tenantdb distribute.',
        );
      report(
        PERMISSIVE_ONLY,
        t.name,
        problems.length === 0,
        problems.length === 0
          ? `${own.map((p) => p.name).join(', ')}: each ANDs ${TENANT_PREDICATE}`
          : problems.join(' '),
      );
    }

    // 3. Every shard of every distributed table against the coordinator. run_command_on_shards
    // reaches the shards on connections of its own: a table this transaction has altered (its
    // locks held on the shards until it ends) would wait for this transaction forever.
    const locked = new Set(
      (
        await session.query<{ oid: number }>(
          `select distinct relation::int as oid from pg_catalog.pg_locks
           where pid = pg_catalog.pg_backend_pid() and locktype = 'relation' and granted
             and mode in ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')`,
        )
      ).map((r) => r.oid),
    );
    for (const t of all.filter((x) => dist.has(x.oid))) {
      if (locked.has(t.oid)) {
        report(
          SHARD_POLICIES,
          t.name,
          false,
          'Not checked: this transaction changed the table (DDL), and its shards stay locked until it ends. Commit or roll back, then verify again.',
        );
        continue;
      }
      const [local] = await session.query<{ state: string }>(
        `select (${POLICY_STATE_SQL.replace('%s', quotedName(t).replace(/'/g, "''"))}) as state`,
      );
      const coordinator = JSON.parse(local?.state ?? '{}') as PolicyState;
      const shards = await session.query<{ shardid: string; success: boolean; result: string }>(
        `select shardid::text as shardid, success, result from pg_catalog.run_command_on_shards($1::regclass, $2)`,
        [quotedName(t), POLICY_STATE_SQL],
      );
      const wrong: string[] = [];
      for (const shard of shards) {
        if (!shard.success) {
          wrong.push(`shard ${shard.shardid}: ${shard.result}`);
          continue;
        }
        const diff = difference(coordinator, JSON.parse(shard.result) as PolicyState);
        if (diff !== undefined) wrong.push(`shard ${shard.shardid}: ${diff}`);
      }
      report(
        SHARD_POLICIES,
        t.name,
        wrong.length === 0 && shards.length > 0,
        wrong.length === 0
          ? shards.length > 0
            ? `${shards.length} shards, policies and RLS flags as on the coordinator`
            : 'No shard answered.'
          : `${wrong.join('; ')}. A shard's policies decide what tenants see on that shard: recreate them from the coordinator's (DROP POLICY / CREATE POLICY on the table propagates to every shard), then verify again.`,
      );
    }

    // 4. The context's SET LOCALs reach the workers only with propagate_set_commands = 'local'.
    const [setting] = await session.query<{ on: boolean }>(
      `select exists (
         select 1 from pg_catalog.pg_db_role_setting s
         where s.setdatabase = (select oid from pg_catalog.pg_database where datname = current_database())
           and s.setrole = 0 and 'citus.propagate_set_commands=local' = any(s.setconfig)) as on`,
    );
    const [database] = await session.query<{ name: string }>('select current_database() as name');
    report(
      PROPAGATE_SET,
      database?.name ?? 'database',
      setting?.on === true,
      setting?.on === true
        ? 'set on the database'
        : `ALTER DATABASE ${quoteIdent(database?.name ?? '')} SET citus.propagate_set_commands = 'local' (tenantdb distribute does it; open_context also sets it per transaction)`,
    );

    // 5. Citus reaches the workers as the current user: both roles must log in there, with the
    // coordinator's attributes (a worker where the application role bypassed RLS would leak).
    for (const role of [app, SYSTEM_ROLE]) {
      const [here] = await session.query<{ attributes: string | null }>(
        `select (select rolsuper::text || ',' || rolbypassrls::text from pg_catalog.pg_roles where rolname = $1) as attributes`,
        [role],
      );
      const workers = await session.query<{ node: string; success: boolean; result: string }>(
        `select nodename || ':' || nodeport as node, success, result from pg_catalog.run_command_on_workers($1)`,
        [
          `select coalesce((select rolcanlogin::text || ',' || rolsuper::text || ',' || rolbypassrls::text from pg_catalog.pg_roles where rolname = '${role.replace(/'/g, "''")}'), 'missing')`,
        ],
      );
      for (const worker of workers) {
        const [login, ...attributes] = worker.result.split(',');
        const ok = worker.success && login === 'true' && attributes.join(',') === here?.attributes;
        report(
          ROLES_ON_WORKERS,
          `${role}@${worker.node}`,
          ok,
          ok
            ? 'LOGIN, attributes as on the coordinator'
            : !worker.success
              ? `The worker did not answer: ${worker.result}`
              : worker.result === 'missing'
                ? `${role} does not exist on the worker: Citus connects to the workers as the current user. Run tenantdb migrate and tenantdb distribute on the coordinator (roles propagate), or CREATE ROLE ${role} LOGIN there.`
                : login !== 'true'
                  ? `ALTER ROLE ${role} LOGIN on the worker: Citus connects to the workers as the current user (restrict where it may log in from in pg_hba.conf).`
                  : `Attributes (superuser, bypassrls) ${attributes.join(',')} on the worker, ${here?.attributes ?? 'none'} on the coordinator: make them equal (ALTER ROLE on the coordinator propagates).`,
        );
      }
    }
  },
});

function quotedName(table: CatalogueTable): string {
  const [schema, name] = table.name.split('.') as [string, string];
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}
