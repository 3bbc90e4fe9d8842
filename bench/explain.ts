/**
 * The EXPLAIN check. Every scenario's tenantdb statement is explained inside its tenant context
 * (`tenant.query('EXPLAIN …', params)`, so as tenantdb_app with RLS applied), and the
 * plan must show:
 * - an InitPlan computing the context's tenant (`app.current_tenant_id`) — the policy's
 *   `(select tenantdb.current_tenant_id())`, evaluated once per statement, not per row — and,
 *   for reads, `tenant_id = $n` of that InitPlan in a scan's condition;
 * - for reads, an index scan on an index whose first column is tenant_id.
 * For the seed 004 design it reports what its plan does instead (SubPlans, per-row settings).
 */
import { createTenantClient } from '../src/index.ts';
import type { BenchDatabase } from './databases.ts';
import type { ExplainSpec, PreparedScenario } from './scenarios/scenario.ts';

interface PlanNode {
  'Node Type': string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Schema?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  Filter?: string;
  'One-Time Filter'?: string;
  Output?: string[];
  Plans?: PlanNode[];
}

export interface ExplainResult {
  scenario: string;
  ok: boolean;
  /** The InitPlan that computes the tenant, e.g. "InitPlan 1 (returns $0)". */
  initPlan: string | null;
  /** Whether a scan's condition uses that InitPlan's value for tenant_id (reads only). */
  tenantPredicateUsesInitPlan: boolean | null;
  /** The index scanned for the statement's table, with its first column. */
  index: string | null;
  summary: string;
  nodes: string[];
  plan: unknown;
}

export interface Seed004ExplainResult {
  summary: string;
  subPlans: string[];
  hashedSubPlan: boolean;
  perRowSetting: boolean;
  nodes: string[];
  plan: unknown;
}

export async function explainScenario(
  scenario: string,
  bench: BenchDatabase,
  spec: ExplainSpec,
  firstColumns: Map<string, string>,
): Promise<ExplainResult> {
  const tenant = createTenantClient(bench.db, { tenantId: spec.tenantId });
  const { sql: text, params } = spec.statement.toSQL();
  const result = await tenant.query(`EXPLAIN (VERBOSE, FORMAT JSON) ${text}`, params);
  const plan = planOf(result);
  const nodes = flatten(plan);

  const initPlans = nodes.filter(
    (n) => n['Parent Relationship'] === 'InitPlan' && (n.Output ?? []).some((o) => o.includes('app.current_tenant_id')),
  );
  // How a plan refers to an InitPlan's value: `$0` up to PostgreSQL 15 ("InitPlan 1 (returns $0)"),
  // `(InitPlan 1).col1` from 16 on.
  const references = initPlans.flatMap((n) => {
    const name = n['Subplan Name'] ?? '';
    const dollars = [...name.matchAll(/\$\d+/g)].map((m) => m[0]);
    return dollars.length > 0 ? dollars : [`(${name}).col1`];
  });
  const uses = nodes.flatMap((n) =>
    (['Index Cond', 'Recheck Cond', 'Filter', 'One-Time Filter'] as const)
      .map((key) => ({ key, text: n[key] }))
      .filter(
        (c): c is { key: (typeof c)['key']; text: string } =>
          c.text !== undefined &&
          references.some((r) => new RegExp(`${escapeRegExp(r)}(?!\\d)`).test(c.text as string)),
      ),
  );
  const usesInitPlan = uses.length > 0;
  const indexNode = nodes.find(
    (n) =>
      n['Index Name'] !== undefined && firstColumns.get(`${n.Schema ?? 'public'}.${n['Index Name']}`) === 'tenant_id',
  );
  const index = indexNode
    ? `${indexNode['Index Name']} (${indexNode['Node Type']}, leading tenant_id)`
    : (nodes.find((n) => n['Index Name'] !== undefined)?.['Index Name'] ?? null);

  const initPlan = initPlans[0]?.['Subplan Name'] ?? null;
  const ok = spec.expectScan ? initPlan !== null && usesInitPlan && indexNode !== undefined : initPlan !== null;
  const parts = [
    initPlan ? `InitPlan for the tenant: yes (${initPlan})` : 'InitPlan for the tenant: MISSING',
    spec.expectScan
      ? usesInitPlan
        ? `tenant predicate on the InitPlan value: yes (${uses[0]?.key})`
        : 'tenant predicate on the InitPlan value: MISSING'
      : 'insert: WITH CHECK evaluated through the InitPlan',
    spec.expectScan ? (indexNode ? `index: ${index}` : `index led by tenant_id: MISSING (${index ?? 'no index'})`) : '',
  ].filter(Boolean);
  return {
    scenario,
    ok,
    initPlan,
    tenantPredicateUsesInitPlan: spec.expectScan ? usesInitPlan : null,
    index: spec.expectScan ? index : null,
    summary: parts.join('; '),
    nodes: nodes.map(describeNode),
    plan,
  };
}

export async function explainSeed004(
  seed: NonNullable<PreparedScenario['seed004Explain']>,
): Promise<Seed004ExplainResult> {
  const rows = await seed.runner.query(seed.tenantId, `EXPLAIN (VERBOSE, FORMAT JSON) ${seed.text}`, seed.params);
  const plan = planOf({ rows });
  const nodes = flatten(plan);
  const subPlans = nodes
    .filter((n) => n['Parent Relationship'] === 'SubPlan' || n['Parent Relationship'] === 'InitPlan')
    .map((n) => `${n['Subplan Name'] ?? n['Parent Relationship']}: ${describeNode(n)}`);
  const conditions = nodes.flatMap((n) => [n['Index Cond'], n.Filter, n['Recheck Cond']]).filter(Boolean) as string[];
  const hashedSubPlan = conditions.some((c) => c.includes('hashed SubPlan'));
  const perRowSetting = nodes.some(
    (n) =>
      n['Parent Relationship'] !== 'InitPlan' && (n.Filter ?? '').includes("current_setting('app.current_tenant_id'"),
  );
  const messagesNode = nodes.find((n) => n['Relation Name'] === 'messages');
  const indexes = [...new Set(nodes.map((n) => n['Index Name']).filter(Boolean))];
  const summary = [
    messagesNode ? `messages: ${describeNode(messagesNode)}` : 'messages: not scanned?',
    `indexes: ${indexes.join(', ') || 'none'}`,
    hashedSubPlan ? 'policy as hashed SubPlan' : subPlans.length > 0 ? 'policy as SubPlan' : 'no SubPlan',
    ...subPlans,
    perRowSetting ? "current_setting('app.current_tenant_id') in a per-row Filter" : '',
  ]
    .filter(Boolean)
    .join('; ');
  return { summary, subPlans, hashedSubPlan, perRowSetting, nodes: nodes.map(describeNode), plan };
}

/** "schema.index" → the index's first column, for the public and seed004 tables. */
export async function indexFirstColumns(bench: BenchDatabase): Promise<Map<string, string>> {
  const rows = await bench.raw.query<{ index: string; column: string }>(
    `SELECT n.nspname || '.' || c.relname AS index, a.attname AS column
     FROM pg_catalog.pg_index i
     JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('public', 'seed004')`,
  );
  return new Map(rows.map((r) => [r.index, r.column]));
}

/** Drizzle's own SQL text back into a `sql` object; its values stay bound parameters. */
function planOf(result: unknown): PlanNode {
  const rows = Array.isArray(result) ? result : (result as { rows?: unknown[] }).rows;
  const first = rows?.[0] as Record<string, unknown> | undefined;
  let value = first?.['QUERY PLAN'];
  if (typeof value === 'string') value = JSON.parse(value);
  const plan = (value as { Plan?: PlanNode }[] | undefined)?.[0]?.Plan;
  if (plan === undefined) throw new Error(`EXPLAIN returned no plan: ${JSON.stringify(result).slice(0, 200)}`);
  return plan;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function flatten(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(flatten)];
}

function describeNode(n: PlanNode): string {
  const on = n['Index Name'] ? ` using ${n['Index Name']}` : '';
  const rel = n['Relation Name'] ? ` on ${n['Relation Name']}` : '';
  const cond = n['Index Cond'] ? ` [Index Cond: ${n['Index Cond']}]` : '';
  const filter = n.Filter ? ` [Filter: ${n.Filter}]` : '';
  return `${n['Node Type']}${on}${rel}${cond}${filter}`;
}
