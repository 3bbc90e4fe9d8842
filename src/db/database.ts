import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from '../schema/index.ts';

/** The Drizzle instance tenantdb hands out: the same type on PGlite and on a server. */
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A transaction of {@link Orm}, as passed to `withTenantContext` callbacks. */
export type OrmTransaction = Parameters<Parameters<Orm['transaction']>[0]>[0];

/** What a single-statement operation gets: Drizzle's query builders, without nested transactions. */
export type StatementOrm = Omit<OrmTransaction, 'transaction' | 'rollback' | 'setTransaction'>;

/** Raw access inside one transaction, for migrations and tooling (multi-statement text allowed). */
export interface RawSession {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  exec(text: string): Promise<void>;
  /** One statement; resolves to the number of rows it affected (or copied, for COPY). */
  command(text: string, params?: unknown[]): Promise<number>;
}

/** The tenant context a single statement runs in (see {@link Database.runStatement}). */
export interface StatementContext {
  tenantId: string;
  userId: string | null;
  switchRole: boolean;
  /** Receives the status `tenantdb.open_context` returned, before the statement's outcome. */
  onStatus(status: string): void;
}

/** The one SQL call that opens a tenant context; its row is the tenant's status. */
export const OPEN_CONTEXT_SQL = 'select tenantdb.open_context($1::uuid, $2::uuid, $3::boolean) as status';

/** OPEN_CONTEXT_SQL's parameters, in the wire's text format. */
export function openContextValues(context: StatementContext): (string | null)[] {
  return [context.tenantId, context.userId, context.switchRole ? 'true' : 'false'];
}

export interface Database {
  /** `pglite` (embedded, one connection) or `postgres` (a server, through a pool). */
  readonly kind: 'pglite' | 'postgres';
  /** Drizzle over this database's own connection role. Outside a context it is privileged:
   *  use withTenantContext / withSystemContext for application work. */
  readonly orm: Orm;
  /** Whether tenant transactions switch to tenantdb_app. Only tests that prove the
   *  application layer alone turn this off (see CreateDatabaseOptions). */
  readonly switchRole: boolean;
  /**
   * Runs the one statement `operation` issues on the Drizzle instance it is given, with the tenant
   * context opened in the same implicit transaction: `open_context` and the statement travel in
   * one pipeline before one Sync (one round trip on a server, two calls into PGlite). A second
   * statement is refused (STATEMENT_LIMIT) before it is sent.
   */
  runStatement<T>(context: StatementContext, operation: (orm: Orm) => Promise<T>): Promise<T>;
  /** One SQL statement with bound parameters, run like {@link runStatement}; resolves to its rows. */
  queryInContext<Row = Record<string, unknown>>(
    context: StatementContext,
    text: string,
    params?: unknown[],
  ): Promise<Row[]>;
  /** Runs `fn` in one raw transaction (BEGIN … COMMIT, ROLLBACK on throw). */
  rawTransaction<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /** One raw statement outside any transaction block. */
  rawQuery<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** A PostgreSQL URL. Default: `DATABASE_URL`; without either, embedded PGlite. */
  url?: string;
  /** Use embedded PGlite even when DATABASE_URL is set (ignored when `url` is given). */
  embedded?: boolean;
  /** PGlite only: a data directory for a persistent database. Default: in memory. */
  dataDir?: string;
  /** Server only: pool size. Default 10. */
  max?: number;
  /**
   * For tests of the application layer alone: tenant transactions stay on the connection's own
   * (privileged, RLS-bypassing) role. Never set this in an application.
   */
  dangerouslySkipRoleSwitch?: boolean;
}
