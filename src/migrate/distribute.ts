/**
 * `tenantdb distribute`: spreads a migrated database over a Citus cluster. Global tables become
 * reference tables (a copy on every node); tenant tables are distributed by `tenant_id`, all
 * co-located, so a tenant's rows of every table live on one node and every composite foreign key
 * stays node-local. Idempotent: a table already distributed is left alone, so it runs again after
 * every migration that adds tables (yours too).
 *
 * What Citus 13.2 needs, and what this does about it (measured on a 3-node cluster):
 * - It writes RESTRICTIVE policies to the shards as PERMISSIVE (its shard-policy DDL never emits
 *   `AS RESTRICTIVE`), which ORs the tenant predicate away. So every tenant table gets the
 *   permissive-only form first: one permissive policy per allowed command that carries the whole
 *   rule (the tenant predicate, the RBAC and viewer checks), derived from the table's own policies;
 *   each former restrictive WITH CHECK is wrapped in `tenantdb.policy_check` (migration 0011), so
 *   a refused row raises the error naming that policy, as PostgreSQL does.
 * - It refuses subqueries in policies: the initPlan wrappers `(SELECT tenantdb.f())` become bare
 *   calls (each a STABLE function over a setting).
 * - It refuses foreign keys between tables of different kinds while they are being distributed:
 *   every foreign key of the tables is dropped first and re-added after. `ON DELETE SET NULL
 *   (column)` on a key that includes the distribution column is refused: those become
 *   `ON DELETE NO ACTION`, and the scoped API nulls the references before it deletes a parent.
 * - Copying a populated table into its shards fires the shards' triggers: they are held while a
 *   table is distributed (see withTriggersHeld).
 * - Triggers on distributed tables need `citus.enable_unsafe_triggers`; the context's SET LOCALs
 *   reach the workers only with `citus.propagate_set_commands = 'local'`: both are set on the
 *   database.
 * - Citus connects to the workers as the current user, so `tenantdb_system` (NOLOGIN elsewhere)
 *   gets LOGIN.
 */
import { globalTables, tenantTables } from '../contract/registry.ts';
import { quoteIdent, quoteLiteral } from '../contract/contract-sql.ts';
import type { Database, RawSession } from '../db/database.ts';
import { ConfigError, sqlStateOf } from '../errors.ts';

export interface DistributeOptions {
  /** Progress lines. Default: silent. */
  log?: (line: string) => void;
  /** Shards per distributed table. Default: Citus's (`citus.shard_count`, 32). */
  shardCount?: number;
}

export interface DistributeResult {
  reference: string[];
  distributed: string[];
  /** Tables that were already distributed and were left alone. */
  kept: string[];
  /** Tables whose policies were rewritten to the permissive-only form. */
  policies: string[];
}

interface Policy {
  name: string;
  permissive: boolean;
  cmd: 'r' | 'a' | 'w' | 'd' | '*';
  using: string | null;
  check: string | null;
}

const COMMANDS = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' } as const;
type Command = keyof typeof COMMANDS;

/** `( SELECT tenantdb.f(args) AS f)` → `tenantdb.f(args)`: Citus accepts no subquery in a policy. */
export function bareCalls(expression: string): string {
  return expression.replace(/\(\s*SELECT\s+(tenantdb\.\w+\((?:[^()]|\([^()]*\))*\))\s+AS\s+\w+\)/g, '$1');
}

const and = (parts: string[]): string => (parts.length === 0 ? 'true' : parts.map((p) => `(${p})`).join(' AND '));
const or = (parts: string[]): string => (parts.length === 0 ? 'false' : parts.map((p) => `(${p})`).join(' OR '));

/**
 * The permissive-only policies equivalent to a table's policies, one per command it allows:
 * USING = every restrictive USING that applies AND any permissive USING; WITH CHECK likewise (a
 * policy without WITH CHECK checks new rows with its USING, as PostgreSQL does).
 */
export function permissiveOnly(table: string, policies: Policy[]): { name: string; sql: string }[] {
  const applies = (p: Policy, c: Command) => p.cmd === c || p.cmd === '*';
  const out: { name: string; sql: string }[] = [];
  for (const c of Object.keys(COMMANDS) as Command[]) {
    const permissive = policies.filter((p) => p.permissive && applies(p, c));
    if (permissive.length === 0) continue;
    const restrictive = policies.filter((p) => !p.permissive && applies(p, c));
    const using = (p: Policy) => p.using ?? 'true';
    const check = (p: Policy) => p.check ?? p.using ?? 'true';
    const name = `${table}_${COMMANDS[c].toLowerCase()}_citus`;
    const usingSql = bareCalls(and([...restrictive.map(using), or(permissive.map(using))]));
    // PostgreSQL checks a new row against the permissive policies first, then against each
    // restrictive one in name order, and names the restrictive policy that refuses it. Each
    // restrictive check is wrapped in tenantdb.policy_check, which raises that same error, so a
    // refusal is typed alike on Citus (PERMISSION_DENIED, TENANT_ISOLATION_VIOLATION).
    const guard = (p: Policy) => `tenantdb.policy_check(${check(p)}, ${quoteLiteral(p.name)}, ${quoteLiteral(table)})`;
    const checkSql = bareCalls(and([or(permissive.map(check)), ...restrictive.map(guard)]));
    const clauses =
      c === 'a'
        ? `WITH CHECK (${checkSql})`
        : c === 'w'
          ? `USING (${usingSql}) WITH CHECK (${checkSql})`
          : `USING (${usingSql})`;
    out.push({
      name,
      sql: `CREATE POLICY ${quoteIdent(name)} ON public.${quoteIdent(table)} AS PERMISSIVE FOR ${COMMANDS[c]} TO tenantdb_app ${clauses}`,
    });
  }
  return out;
}

async function isDistributed(session: RawSession, table: string): Promise<boolean> {
  const [row] = await session.query<{ n: number }>(
    `select count(*)::int as n from pg_dist_partition where logicalrelid = to_regclass($1)`,
    [`public.${quoteIdent(table)}`],
  );
  return (row?.n ?? 0) > 0;
}

async function policiesOf(session: RawSession, table: string): Promise<Policy[]> {
  return session.query<Policy>(
    `select p.polname as name, p.polpermissive as permissive, p.polcmd as cmd,
            pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as check
     from pg_policy p where p.polrelid = to_regclass($1) order by p.polname`,
    [`public.${quoteIdent(table)}`],
  );
}

/**
 * Runs `fn` (the distribution of `table`) with the table's enabled user triggers disabled, and
 * enables them again after. Citus copies a populated table's rows into its new shards with COPY,
 * which fires the shards' triggers: the audit trigger then wrote an INSERT entry for every
 * existing row (history nobody made), or failed outright while audit_logs was not distributed
 * yet ("relation public.audit_logs does not exist" on a worker); a plan-limit trigger would count
 * rows being copied. Citus creates the shards' triggers in the table's state and propagates
 * ENABLE TRIGGER to them. Triggers a user disabled stay disabled.
 */
async function withTriggersHeld<T>(session: RawSession, table: string, fn: () => Promise<T>): Promise<T> {
  const relation = `public.${quoteIdent(table)}`;
  const enabled = await session.query<{ name: string }>(
    `select tgname as name from pg_trigger where tgrelid = to_regclass($1) and not tgisinternal and tgenabled = 'O' order by 1`,
    [relation],
  );
  for (const t of enabled) await session.exec(`ALTER TABLE ${relation} DISABLE TRIGGER ${quoteIdent(t.name)}`);
  const result = await fn();
  for (const t of enabled) await session.exec(`ALTER TABLE ${relation} ENABLE TRIGGER ${quoteIdent(t.name)}`);
  return result;
}

/**
 * Gives tenantdb_system LOGIN unless it has it. Roles are cluster-wide: two databases of one
 * cluster distributed at the same moment alter the same role, and Citus propagates the change to
 * every worker, so a concurrent update ("tuple concurrently updated") is tried again.
 */
async function systemRoleCanLogIn(db: Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const [role] = await db.rawQuery<{ login: boolean }>(
      `select rolcanlogin as login from pg_roles where rolname = 'tenantdb_system'`,
    );
    if (role?.login) return;
    try {
      await db.rawQuery(`ALTER ROLE tenantdb_system LOGIN`);
      return;
    } catch (error) {
      if (attempt >= 5 || sqlStateOf(error) !== 'XX000') throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * Distributes the migrated tables of `db` (tenantdb's and the schema's own declared tables) on
 * Citus. Refused with CONFIG_INVALID on a server without the citus extension.
 */
export async function distribute(db: Database, options: DistributeOptions = {}): Promise<DistributeResult> {
  const log = options.log ?? (() => {});
  const [citus] = await db.rawQuery<{ version: string | null }>(
    `select (select extversion from pg_extension where extname = 'citus') as version`,
  );
  if (!citus?.version) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'tenantdb distribute needs a Citus coordinator: this server has no citus extension (CREATE EXTENSION citus, and add the worker nodes, first).',
    );
  }
  const [database] = await db.rawQuery<{ name: string }>('select current_database() as name');
  const dbName = quoteIdent(database?.name ?? '');
  await db.rawQuery(`ALTER DATABASE ${dbName} SET citus.propagate_set_commands = 'local'`);
  await db.rawQuery(`ALTER DATABASE ${dbName} SET citus.enable_unsafe_triggers = on`);
  // Citus reaches the workers as the current user: the system context's role must be able to log
  // in there (restrict it to the coordinator's hosts in pg_hba.conf; see DEPLOYMENT.md).
  await systemRoleCanLogIn(db);
  const result: DistributeResult = { reference: [], distributed: [], kept: [], policies: [] };
  const existing = new Set(
    (
      await db.rawQuery<{ name: string }>(
        `select relname as name from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`,
      )
    ).map((r) => r.name),
  );
  const globals = globalTables().filter((t) => existing.has(t.name));
  const tenants = tenantTables().filter((t) => existing.has(t.name));
  log(`citus ${citus.version}: ${globals.length} reference tables, ${tenants.length} distributed tables`);

  await db.rawTransaction(async (session) => {
    await session.exec(
      `SET LOCAL citus.enable_unsafe_triggers = on; SET LOCAL citus.multi_shard_modify_mode = 'sequential'`,
    );
    if (options.shardCount !== undefined)
      await session.exec(`SET LOCAL citus.shard_count = ${Math.floor(options.shardCount)}`);
    // 1. Every foreign key of the public tables, kept and dropped for the time of distribution.
    const keys = await session.query<{ table: string; name: string; definition: string }>(
      `select c.conrelid::regclass::text as table, c.conname as name, pg_get_constraintdef(c.oid) as definition
       from pg_constraint c where c.contype = 'f' and c.connamespace = 'public'::regnamespace order by 1, 2`,
    );
    const pending = [...globals, ...tenants].filter(() => true);
    const todo = [];
    for (const t of pending) if (!(await isDistributed(session, t.name))) todo.push(t.name);
    if (todo.length === 0) {
      result.kept.push(...pending.map((t) => t.name));
      return;
    }
    for (const key of keys) await session.exec(`ALTER TABLE ${key.table} DROP CONSTRAINT ${quoteIdent(key.name)}`);
    // 2. Tenant tables: the permissive-only policy form, bare calls.
    for (const t of tenants) {
      const policies = await policiesOf(session, t.name);
      if (policies.every((p) => p.name.endsWith('_citus'))) continue;
      const replacement = permissiveOnly(t.name, policies);
      for (const p of policies) await session.exec(`DROP POLICY ${quoteIdent(p.name)} ON public.${quoteIdent(t.name)}`);
      for (const p of replacement) await session.exec(p.sql);
      result.policies.push(t.name);
    }
    // 3. Reference tables, then the tenant tables, co-located with the first.
    for (const t of globals) {
      if (await isDistributed(session, t.name)) {
        result.kept.push(t.name);
        continue;
      }
      // Subqueries in a global table's policies are refused too: the initPlan wrappers become bare
      // calls; a policy that reads a table cannot be distributed (and breaks the contract).
      for (const p of await policiesOf(session, t.name)) {
        const bare = (e: string | null) => {
          if (e === null) return null;
          const out = bareCalls(e);
          if (/\bSELECT\b/i.test(out)) {
            throw new ConfigError(
              'CONFIG_INVALID',
              `Policy ${p.name} on ${t.name} reads a table (${out}): Citus refuses subqueries in policies. Rewrite it to compare settings only.`,
            );
          }
          return out;
        };
        const using = bare(p.using);
        const check = bare(p.check);
        if (using !== p.using || check !== p.check) {
          await session.exec(
            `ALTER POLICY ${quoteIdent(p.name)} ON public.${quoteIdent(t.name)}${using === null ? '' : ` USING (${using})`}${check === null ? '' : ` WITH CHECK (${check})`}`,
          );
        }
      }
      await withTriggersHeld(session, t.name, () =>
        session.query(`select create_reference_table($1)`, [`public.${quoteIdent(t.name)}`]),
      );
      result.reference.push(t.name);
      log(`reference table ${t.name}`);
    }
    let colocate = 'default';
    for (const t of tenants) {
      if (await isDistributed(session, t.name)) {
        result.kept.push(t.name);
        colocate = `public.${quoteIdent(t.name)}`;
        continue;
      }
      await withTriggersHeld(session, t.name, () =>
        session.query(`select create_distributed_table($1, 'tenant_id', colocate_with => $2)`, [
          `public.${quoteIdent(t.name)}`,
          colocate,
        ]),
      );
      colocate = `public.${quoteIdent(t.name)}`;
      result.distributed.push(t.name);
      log(`distributed ${t.name} by tenant_id`);
    }
    // 4. The foreign keys again; SET NULL (column) on a key with the distribution column → NO ACTION.
    for (const key of keys) {
      const definition = key.definition.replace(/ON DELETE SET NULL \([^)]*\)/, 'ON DELETE NO ACTION');
      await session.exec(`ALTER TABLE ${key.table} ADD CONSTRAINT ${quoteIdent(key.name)} ${definition}`);
    }
    log(`foreign keys: ${keys.length} re-added`);
  });
  return result;
}
