import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from '../schema/index.ts';

/** The Drizzle instance tenantdb hands out: the same type on PGlite and on a server. */
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A transaction of {@link Orm}, as passed to `withTenantContext` callbacks. */
export type OrmTransaction = Parameters<Parameters<Orm['transaction']>[0]>[0];

/** Raw access inside one transaction, for migrations and tooling (multi-statement text allowed). */
export interface RawSession {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  exec(text: string): Promise<void>;
  /** One statement; resolves to the number of rows it affected (or copied, for COPY). */
  command(text: string, params?: unknown[]): Promise<number>;
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
