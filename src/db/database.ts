import { TenantDbError } from '../errors.ts';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/**
 * A Drizzle schema: the module of tables (and relations) a database is opened with, as in
 * `drizzle(client, { schema })`. The db layer knows no table: it only hands the schema to Drizzle.
 */
export type Schema = Record<string, unknown>;

/** The Drizzle instance tenantdb hands out: the same type on PGlite and on a server. */
export type Orm<TSchema extends Schema = Schema> = PgDatabase<PgQueryResultHKT, TSchema>;

/** A transaction of {@link Orm}, as passed to `withTenantContext` callbacks. */
export type OrmTransaction<TSchema extends Schema = Schema> = Parameters<Parameters<Orm<TSchema>['transaction']>[0]>[0];

/** What a single-statement operation gets: Drizzle's query builders, without nested transactions. */
export type StatementOrm<TSchema extends Schema = Schema> = Omit<
  OrmTransaction<TSchema>,
  'transaction' | 'rollback' | 'setTransaction'
>;

/** Raw access inside one transaction, for migrations and tooling (multi-statement text allowed). */
export interface RawSession {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  exec(text: string): Promise<void>;
  /** One statement; resolves to the number of rows it affected (or copied, for COPY). */
  command(text: string, params?: unknown[]): Promise<number>;
  /**
   * `tenantdb.open_context(tenantId, userId, true)` and one statement with bound parameters in one
   * pipeline before one Sync, inside this transaction: the tenant client's single-statement path
   * (see {@link Database.queryInContext}) with the caller's transaction as its block instead of
   * BEGIN … COMMIT. An error leaves the transaction failed: the caller rolls back (to a savepoint).
   * Used by the live probe to attack through that path.
   */
  pipelineInContext<Row = Record<string, unknown>>(
    context: PipelineContext,
    text: string,
    params?: unknown[],
  ): Promise<{ rows: Row[]; affected: number }>;
}

/** The context {@link RawSession.pipelineInContext} opens. */
export interface PipelineContext {
  tenantId: string;
  userId: string | null;
}

/** The tenant context a single statement runs in (see {@link Database.runStatement}). */
export interface StatementContext {
  tenantId: string;
  userId: string | null;
  switchRole: boolean;
  /** Receives the status `tenantdb.open_context` returned, before the statement's outcome. */
  onStatus(status: string): void;
}

/** The one SQL call that opens the (logged) system context. */
export const OPEN_SYSTEM_CONTEXT_SQL = 'select tenantdb.open_system_context($1::text)';

/** The one SQL call that opens a tenant context; its row is the tenant's status. */
export const OPEN_CONTEXT_SQL = 'select tenantdb.open_context($1::uuid, $2::uuid, $3::boolean) as status';

/** OPEN_CONTEXT_SQL's parameters, in the wire's text format. */
export function openContextValues(context: StatementContext): (string | null)[] {
  return [context.tenantId, context.userId, context.switchRole ? 'true' : 'false'];
}

/**
 * How a database is connected:
 * - `single`: one connection (PGlite, or one server URL). When its role is privileged, tenant
 *   transactions switch to `tenantdb_app` first (`SET LOCAL ROLE`), and system work runs on it too.
 * - `split`: the application connection logs in as `tenantdb_app` (or a role that is only its
 *   member) and serves tenant work only; a separate system connection (the owner) serves system
 *   work only. Nothing run on the application connection can leave RLS, not even `RESET ROLE`.
 */
export type ConnectionMode = 'single' | 'split';

/**
 * A connected database. The two sides are kept apart: `tenant*` members run on the application
 * connection, `system*` and `raw*` members on the system connection (the same connection in
 * `single` mode). Application code does not call these directly: it goes through
 * `withTenantContext`, a tenant client, or a system scope.
 */
export interface Database<TSchema extends Schema = Schema> {
  /** `pglite` (embedded, one connection) or `postgres` (a server, through a pool). */
  readonly kind: 'pglite' | 'postgres';
  readonly connections: ConnectionMode;
  /** The Drizzle schema this database was opened with. */
  readonly schema: TSchema;
  /** Whether tenant transactions switch to tenantdb_app. Only tests that prove the
   *  application layer alone turn this off (see CreateDatabaseOptions). */
  readonly switchRole: boolean;
  /**
   * Drizzle on the system (privileged) connection: outside a context it bypasses RLS and sees
   * every tenant. For migrations, tooling and tests; application work goes through
   * `withTenantContext`, a tenant client, or `withSystemContext`.
   */
  readonly dangerouslyPrivilegedOrm: Orm<TSchema>;
  /** A Drizzle transaction on the application connection (the caller opens the context in it). */
  tenantTransaction<T>(fn: (tx: OrmTransaction<TSchema>) => Promise<T>): Promise<T>;
  /**
   * Runs the one statement `operation` issues on the Drizzle instance it is given, with the tenant
   * context opened in the same implicit transaction: `open_context` and the statement travel in
   * one pipeline before one Sync (one round trip on a server, two calls into PGlite). A second
   * statement is refused (STATEMENT_LIMIT) before it is sent. Application connection.
   */
  runStatement<T>(context: StatementContext, operation: (orm: Orm<TSchema>) => Promise<T>): Promise<T>;
  /** One SQL statement with bound parameters, run like {@link runStatement}; resolves to its rows. */
  queryInContext<Row = Record<string, unknown>>(
    context: StatementContext,
    text: string,
    params?: unknown[],
  ): Promise<Row[]>;
  /**
   * One statement with bound parameters in a system context of its own: `BEGIN`,
   * `tenantdb.open_system_context(reason)` (logged), the statement and `COMMIT` in one pipeline
   * before one Sync (one round trip on a server). Resolves to its rows. System connection.
   */
  systemQuery<Row = Record<string, unknown>>(reason: string, text: string, params?: unknown[]): Promise<Row[]>;
  /** A Drizzle transaction on the system connection (the caller opens the system context in it). */
  systemTransaction<T>(fn: (tx: OrmTransaction<TSchema>) => Promise<T>): Promise<T>;
  /** Runs `fn` in one raw transaction (BEGIN … COMMIT, ROLLBACK on throw). System connection. */
  rawTransaction<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /** One raw statement outside any transaction block. System connection. */
  rawQuery<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /**
   * LISTEN on `channel` (a name of letters, digits and underscores): `onPayload` gets each
   * notification's payload once the notifying transaction commits. On a server it holds one
   * connection of the system pool until the returned function is called; that connection must be
   * a session (direct, or PgBouncer in session mode: transaction mode cannot LISTEN). PGlite
   * delivers its own notifications.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A channel name safe to put in LISTEN unquoted. */
export function checkChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `listen: ${JSON.stringify(channel)} is not a channel name (lowercase letters, digits, _).`,
    );
  }
  return channel;
}

export interface CreateDatabaseOptions<TSchema extends Schema = Schema> {
  /**
   * The PostgreSQL URL of the application connection. Default: `DATABASE_URL`; without either,
   * embedded PGlite. With `systemUrl`, it must log in as `tenantdb_app` (or a role that is only a
   * member of it).
   */
  url?: string;
  /**
   * The system (owner) connection for system work: provisioning, API-key lookup, health,
   * migrations. Default: `TENANTDB_SYSTEM_URL`. Without it, `url` serves both sides (`single`).
   */
  systemUrl?: string;
  /** Use embedded PGlite even when DATABASE_URL is set (ignored when `url` is given). */
  embedded?: boolean;
  /** PGlite only: a data directory for a persistent database. Default: in memory. */
  dataDir?: string;
  /** Server only: pool size of each connection. Default 10. */
  max?: number;
  /**
   * Server only: run a tenant client's statements as server-side prepared statements, each
   * distinct text (up to 500) parsed and planned once per connection, the context's `BEGIN`,
   * `open_context` and `COMMIT` too. Saves the parse and the plan (RLS makes the plan dearer) on
   * every later statement: on a point read, about a third of tenantdb's cost (see
   * bench/README.md). Prepared statements live on a server connection, so only where the client
   * keeps one: a direct connection, or PgBouncer 1.21+ with `max_prepared_statements` set.
   * Not through PgBouncer 1.18 in transaction mode. Default false.
   */
  prepare?: boolean;
  /** The Drizzle schema (tables and relations): tenantdb's own, plus yours. */
  schema?: TSchema;
  /**
   * For tests of the application layer alone: tenant transactions stay on the connection's own
   * (privileged, RLS-bypassing) role. Never set this in an application.
   */
  dangerouslySkipRoleSwitch?: boolean;
}
