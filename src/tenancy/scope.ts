/**
 * Scopes: what every domain function takes as its first argument (see docs/ARCHITECTURE.md).
 *
 * - A tenant scope is work for one tenant under RLS: the one handed to a `withTenantContext`
 *   callback (every call joins that open transaction), or a tenant client (every call is its own
 *   short transaction).
 * - A system scope is explicit cross-tenant work as `tenantdb_system`, opened with a reason that is
 *   logged: the one handed to a `withSystemContext` callback, or a system client.
 *
 * A module never opens a private transaction of its own: it calls `scope.transaction(fn)`, which
 * joins the caller's transaction when there is one, so module calls compose.
 */
import type { SQL } from 'drizzle-orm';
import type { OrmTransaction, Schema, StatementOrm } from '../db/database.ts';
import { TenantDbError } from '../errors.ts';
import type { ScopedApi } from './scoped.ts';
import type { TenantContext } from './validate-context.ts';

/** The tenant's status as seen when the context opened. SUSPENDED contexts are read-only. */
export type OpenStatus = 'ACTIVE' | 'TRIAL' | 'SUSPENDED';

export interface TenantScope<TSchema extends Schema = Schema> {
  readonly kind: 'tenant';
  /** The tenant (and member) this scope works for; `status` inside `withTenantContext` only. */
  readonly context: Readonly<TenantContext> & { readonly status?: OpenStatus };
  /** The tenant tables of the schema, each read filtered and each write stamped with the tenant. */
  readonly tables: ScopedApi<TSchema>;
  /**
   * Runs `fn` in a transaction with this tenant's context open: the caller's open transaction
   * inside `withTenantContext`, a new short one on a tenant client.
   */
  transaction<T>(fn: (tx: OrmTransaction<TSchema>, scope: TenantScope<TSchema>) => Promise<T>): Promise<T>;
  /**
   * Runs exactly one statement (a module function that needs only one): on a tenant client it is
   * sent with the context in one pipeline (one round trip; a second statement is refused with
   * STATEMENT_LIMIT), inside `withTenantContext` it joins the open transaction.
   */
  statement<T>(fn: (db: StatementOrm<TSchema>) => Promise<T>): Promise<T>;
}

export interface SystemScope<TSchema extends Schema = Schema> {
  readonly kind: 'system';
  /** Why this cross-tenant work happens; logged in `tenantdb.system_context_log`. */
  readonly reason: string;
  /**
   * Runs `fn` in a system-context transaction: the caller's open one inside `withSystemContext`,
   * a new one (logged with the reason) on a system client.
   */
  transaction<T>(fn: (tx: OrmTransaction<TSchema>, scope: SystemScope<TSchema>) => Promise<T>): Promise<T>;
  /**
   * Runs exactly one SQL statement and resolves to its rows: on a system client it is sent with
   * the system context in one pipeline (one round trip, logged like a transaction), inside
   * `withSystemContext` it joins the open transaction. For a module's hot system path (the task
   * queue's claim and completion).
   */
  statement<Row = Record<string, unknown>>(query: SQL): Promise<Row[]>;
}

/** Refuses anything but a tenant scope (a JavaScript caller can pass anything). */
export function requireTenantScope<TSchema extends Schema>(scope: unknown, fn: string): TenantScope<TSchema> {
  if ((scope as { kind?: unknown } | null)?.kind !== 'tenant') {
    throw new TenantDbError(
      'TENANT_CONTEXT_MISSING',
      `${fn} needs a tenant scope as its first argument: a tenant client (createTenantClient) or the scope withTenantContext passes to its callback.`,
    );
  }
  return scope as TenantScope<TSchema>;
}

/** Refuses anything but a system scope. */
export function requireSystemScope<TSchema extends Schema>(scope: unknown, fn: string): SystemScope<TSchema> {
  if ((scope as { kind?: unknown } | null)?.kind !== 'system') {
    throw new TenantDbError(
      'SYSTEM_CONTEXT_FORBIDDEN',
      `${fn} is system work: pass a system scope (createSystemClient(db, { reason }) or the scope withSystemContext passes to its callback).`,
    );
  }
  return scope as SystemScope<TSchema>;
}
