import { isDistributed } from './catalogue.ts';
import { lint, lintFamily } from './lint.ts';

const NO_OPEN_PERMISSIVE = lint('policy.no-open-permissive', 'no open permissive policy');
const RESTRICTIVE_TENANT = lint('policy.restrictive-tenant', 'restrictive tenant policy');
const INITPLAN = lint('policy.initplan', 'policy in initPlan form');
const OPEN_PERMISSIVE_FENCED = lint('policy.open-permissive-fenced', 'open permissive policy is fenced');

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
 * Each tenant table has a RESTRICTIVE FOR ALL policy on tenant_id that applies to the application
 * role, every policy reads the context once per statement (initPlan form), and a permissive
 * `true` policy is only ever ANDed with the restrictive one.
 *
 * A table Citus distributes is held to its own form instead (the `citus` family): Citus writes
 * RESTRICTIVE policies to the shards as PERMISSIVE and refuses subqueries in policies, so there
 * every policy is permissive and carries the tenant predicate itself, with bare calls. The
 * restrictive-policy lints do not apply to it; its policies must still read the context through
 * tenantdb's functions and read no table.
 */
export const policyLints = lintFamily({
  name: 'policy',
  lints: [NO_OPEN_PERMISSIVE, RESTRICTIVE_TENANT, INITPLAN, OPEN_PERMISSIVE_FENCED],
  async run({ session, schemas, app, tables }, report) {
    const policies = await session.query<PolicyRow>(
      `select p.polrelid::int as table_oid, p.polname as name, p.polcmd::text as cmd, p.polpermissive as permissive,
              array(select case when r = 0 then 'public' else pg_get_userbyid(r) end from unnest(p.polroles) r) as roles,
              pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = any($1::text[])`,
      [schemas],
    );
    const appliesToApp = (p: PolicyRow) => p.roles.includes('public') || p.roles.includes(app);

    for (const table of await tables()) {
      const own = policies.filter((p) => p.table_oid === table.oid);
      if (table.tenant_attnum === null) {
        for (const p of own.filter(
          (p) => p.permissive && p.qual === 'true' && appliesToApp(p) && table.global_reason === null,
        )) {
          report(
            NO_OPEN_PERMISSIVE,
            `${table.name}.${p.name}`,
            false,
            `USING (true) on a table that is neither tenant-scoped nor declared global.`,
          );
        }
        continue;
      }
      if (isDistributed(table)) {
        for (const p of own) {
          for (const [part, expr] of [
            ['USING', p.qual],
            ['WITH CHECK', p.with_check],
          ] as const) {
            if (expr === null) continue;
            const problem = bareCallProblem(expr);
            if (problem !== undefined || /current_tenant_id|current_setting/i.test(expr)) {
              report(
                INITPLAN,
                `${table.name}.${p.name} ${part}`,
                problem === undefined,
                problem ?? 'bare calls of tenantdb functions (Citus refuses subqueries in policies)',
              );
            }
          }
        }
        continue;
      }
      const restrictive = own.filter(
        (p) =>
          !p.permissive && p.cmd === '*' && appliesToApp(p) && mentionsTenant(p.qual) && mentionsTenant(p.with_check),
      );
      report(
        RESTRICTIVE_TENANT,
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
          const problem = initPlanProblem(expr);
          if (problem !== undefined || /current_tenant_id|current_setting/i.test(expr)) {
            report(
              INITPLAN,
              `${table.name}.${p.name} ${part}`,
              problem === undefined,
              problem ?? 'context read once per statement',
            );
          }
        }
      }
      for (const p of own.filter((p) => p.permissive && (p.qual === 'true' || p.with_check === 'true'))) {
        report(
          OPEN_PERMISSIVE_FENCED,
          `${table.name}.${p.name}`,
          restrictive.length > 0,
          restrictive.length > 0
            ? 'ANDed with the restrictive tenant policy'
            : 'A permissive (true) policy with no restrictive tenant policy exposes every tenant.',
        );
      }
    }
  },
});

function mentionsTenant(expr: string | null): boolean {
  return expr !== null && /tenant_id/.test(expr) && /current_tenant_id\(\)/.test(expr);
}

/**
 * Why a policy expression of a distributed table is wrong, or undefined: the context read through
 * tenantdb's functions (bare calls are what Citus accepts), never current_setting(), no subquery.
 */
function bareCallProblem(expr: string): string | undefined {
  if (/current_setting\s*\(/i.test(expr)) {
    return 'Reads current_setting() directly: read the context through tenantdb.current_tenant_id().';
  }
  if (/\bSELECT\b/i.test(expr)) {
    return 'Contains a subquery: Citus refuses subqueries in policies on distributed tables. Compare settings only (bare tenantdb.* calls).';
  }
  return undefined;
}

/** Why a policy expression is not in initPlan form, or undefined when it is. */
function initPlanProblem(expr: string): string | undefined {
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
