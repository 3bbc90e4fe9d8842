/**
 * What a scenario is. Each runs the same work on several sides:
 * - raw: the SQL written by hand with an explicit `tenant_id = $1`, on a plain pg.Pool connected
 *   as the superuser (RLS bypassed, no context) — the floor tenantdb is measured against;
 * - tenantdb: the same SQL without the tenant predicate (inserts: the very same statement), through
 *   `createTenantClient(db, { tenantId }).query(text, params)` on `createDatabase({ url })`:
 *   the context opened in the statement's pipeline, the role switch to tenantdb_app, and RLS
 *   adding the tenant predicate. This is what isolation costs, and what the targets judge;
 * - orm (information): the same operation through the tenant client's scoped API
 *   (`tables.messages.findFirst`, `findMany`, `insert`; Drizzle's builders for the aggregate). The
 *   difference to `tenantdb` is Drizzle building the SQL and mapping the rows, not isolation.
 * seed004-list adds a side: the same list through the seed 004 design. Some scenarios call a
 * module's function on the tenantdb side (`recordCosts`, `costSummary`) instead of `query`: the
 * function is what the target judges, its SQL as the module writes it. record-costs-1000 adds
 * `untriggered` (information): the raw side's statement with cost_events' triggers disabled.
 *
 * `prepare` picks every target (tenant, ids, cursors, rows to insert) and creates the tenant
 * clients up front, so an operation does nothing but the operation. The scenarios, one per file,
 * are listed in `./index.ts`.
 */
import type { BenchDatabase } from '../databases.ts';
import type { DatasetInfo } from '../generate.ts';
import type { Seed004Runner } from '../seed004.ts';
import type { ScenarioName } from './index.ts';

export type SideName =
  | 'raw'
  | 'tenantdb'
  | 'orm'
  | 'seed004'
  | 'untriggered'
  // The requests scenario's (./requests.ts).
  | 'tenantdb+user'
  | 'privileged'
  | 'privileged+user'
  | 'scoped'
  | 'prepared'
  | 'prepared+user'
  | 'scoped prepared'
  | 'drizzle recipe'
  | 'prisma sequence'
  | 'floor';

/** One side of a scenario: `op(i)` runs the i-th operation (on target i modulo the targets). */
export interface Side {
  name: SideName;
  op: (i: number) => Promise<unknown>;
  /** Run around each of the side's slices (warm-up too), outside the timed region. */
  slice?: { begin(): Promise<void>; end(): Promise<void> };
}

export type Target =
  /** Single statements: tenantdb p50 ÷ raw p50 at most `max`. */
  | { kind: 'p50'; max: number }
  /** Lists, aggregates, bulk: tenantdb ops/s ÷ raw ops/s at least `min`. */
  | { kind: 'ops'; min: number }
  /** Judged across the three scaling scenarios (p50 at 10,000 tenants vs at 10). */
  | { kind: 'scaling' }
  | { kind: 'info' };

/** A tenantdb statement to EXPLAIN inside its tenant context. */
export interface ExplainSpec {
  tenantId: string;
  /** The table the statement reads or writes. */
  table: string;
  /** The tenantdb side's statement (anything with toSQL(): Drizzle builders or SQL text with its parameters). */
  statement: { toSQL(): { sql: string; params: unknown[] } };
  /** Reads must use an index led by tenant_id; inserts scan nothing. */
  expectScan: boolean;
}

export interface PreparedScenario {
  targets: number;
  sides: Side[];
  explain: ExplainSpec;
  /** seed004-list: the seed's statement, run the seed's way. */
  seed004Explain?: { runner: Seed004Runner; tenantId: string; text: string; params: unknown[] };
  /** Undoes what the operations wrote. */
  cleanup?: () => Promise<void>;
  close?: () => Promise<void>;
}

export interface ScenarioEnv {
  bench: BenchDatabase;
  info: DatasetInfo;
  concurrency: number;
}

export interface Scenario<Name extends string = ScenarioName> {
  name: Name;
  description: string;
  /** 'main', or the base tenant count of a scaling data set (10, 1,000 or 10,000 at scale ≥ 1). */
  dataset: 'main' | number;
  target: Target;
  /** Runs on a server only (skipped with --pglite). */
  serverOnly?: boolean;
  prepare(env: ScenarioEnv): Promise<PreparedScenario>;
}

/** A scenario, its name kept as a literal type (the names are derived from the list in `./index.ts`). */
export function scenario<const Name extends string>(definition: Scenario<Name>): Scenario<Name> {
  return definition;
}

export const SINGLE_STATEMENT = { kind: 'p50', max: 1.15 } as const satisfies Target;
export const THROUGHPUT = { kind: 'ops', min: 0.95 } as const satisfies Target;
/** A module's function (recordCosts, costSummary) against the hand-written SQL it stands for. */
export const MODULE_THROUGHPUT = { kind: 'ops', min: 0.9 } as const satisfies Target;

/** The i-th target, modulo the targets. */
export function at<T>(items: readonly T[], i: number): T {
  return items[i % items.length] as T;
}

/** An EXPLAIN target for SQL text (anything with toSQL()). */
export function statement(text: string, params: unknown[]): { toSQL(): { sql: string; params: unknown[] } } {
  return { toSQL: () => ({ sql: text, params }) };
}
