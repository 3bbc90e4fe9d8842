import { sql } from 'drizzle-orm';
import type { Database, OrmTransaction, Schema, StatementContext, StatementOrm } from '../db/database.ts';
import { rowsOf } from '../db/rows.ts';
import { translateDatabaseError } from '../errors.ts';
import type { OpenStatus, TenantScope } from './scope.ts';
import { createScopedApi } from './scoped.ts';
import { validateContext, type TenantContext } from './validate-context.ts';

/**
 * Opens the tenant context inside the given transaction with one SQL call: authorizes (tenant
 * exists, not cancelled; user an active member), sets the context settings transaction-locally,
 * makes a suspended tenant's transaction read-only, and switches a privileged connection to
 * `tenantdb_app`. Transaction-local: it ends with the transaction, so a pooled connection never
 * carries it into the next request. `withTenantContext` calls it; call it yourself only in a
 * transaction of your own on the application side.
 */
export async function openTenantContext(
  tx: OrmTransaction,
  context: TenantContext,
  options: { switchRole?: boolean } = {},
): Promise<OpenStatus> {
  const valid = validateContext(context);
  const result = await tx.execute<{ status: OpenStatus }>(
    sql`select tenantdb.open_context(${valid.tenantId}::uuid, ${valid.userId ?? null}::uuid, ${options.switchRole ?? true}) as status`,
  );
  const status = rowsOf<{ status: OpenStatus }>(result)[0]?.status;
  if (status === undefined) throw new Error('tenantdb.open_context returned no row');
  return status;
}

/**
 * Runs `fn` in one transaction on the application connection with the tenant context open.
 * Every statement in it — Drizzle queries on `tx`, raw SQL, the scope's tables, module calls
 * given the scope — sees only this tenant's rows; inserts get its `tenant_id`; writes naming
 * another tenant are rejected. Commits when `fn` resolves, rolls back when it throws.
 *
 * @example
 * const rows = await withTenantContext(db, { tenantId, userId }, async (tx, scope) => {
 *   await scope.tables.conversations.insert({ title: 'Q3 plan', persona: 'cfo' });
 *   await issueApiKey(scope, { name: 'CI' });            // joins this transaction
 *   return tx.select().from(conversations);
 * });
 */
export async function withTenantContext<TSchema extends Schema, T>(
  db: Database<TSchema>,
  context: TenantContext,
  fn: (tx: OrmTransaction<TSchema>, scope: TenantScope<TSchema>) => Promise<T>,
): Promise<T> {
  const valid = validateContext(context);
  let readOnly = false;
  try {
    return await db.tenantTransaction(async (tx) => {
      const status = await openTenantContext(tx as unknown as OrmTransaction, valid, { switchRole: db.switchRole });
      readOnly = status === 'SUSPENDED';
      const scope: TenantScope<TSchema> = Object.freeze({
        kind: 'tenant',
        context: Object.freeze({ ...valid, status }),
        tables: createScopedApi(db.schema, valid.tenantId, (operation) => operation(tx)),
        transaction: <R>(inner: (tx: OrmTransaction<TSchema>, scope: TenantScope<TSchema>) => Promise<R>) =>
          inner(tx, scope),
        statement: <R>(operation: (db: StatementOrm<TSchema>) => Promise<R>) => operation(tx),
      });
      return fn(tx, scope);
    });
  } catch (error) {
    throw translateDatabaseError(error, { readOnlyTenant: readOnly });
  }
}

/** A tenant scope whose every call is its own short transaction (the base of a tenant client). */
export interface TenantStatementScope<TSchema extends Schema = Schema> extends TenantScope<TSchema> {
  /**
   * Exactly one Drizzle (or raw `sql`) statement, in its own tenant transaction, in one round
   * trip. A second statement in `fn` is refused (STATEMENT_LIMIT): use `transaction()`.
   */
  run<T>(fn: (db: StatementOrm<TSchema>) => Promise<T>): Promise<T>;
  /**
   * One SQL statement with bound parameters (`$1`, `$2`, …), in its own tenant transaction, in
   * one round trip; resolves to its rows. RLS applies as to everything else here.
   */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

/**
 * The tenant scope of a tenant client: each table operation, `run` and `query` is one statement
 * sent together with the context in one pipeline (on a server, the same single round trip as the
 * bare statement); `transaction` opens a short `withTenantContext`.
 */
export function createStatementScope<TSchema extends Schema>(
  db: Database<TSchema>,
  context: TenantContext,
): TenantStatementScope<TSchema> {
  const valid = validateContext(context);
  const inContext = async <R>(fn: (statementContext: StatementContext) => Promise<R>): Promise<R> => {
    let status = '';
    try {
      return await fn({
        tenantId: valid.tenantId,
        userId: valid.userId ?? null,
        switchRole: db.switchRole,
        onStatus: (value) => {
          status = value;
        },
      });
    } catch (error) {
      throw translateDatabaseError(error, { readOnlyTenant: status === 'SUSPENDED' });
    }
  };
  const run = <R>(operation: (db: StatementOrm<TSchema>) => Promise<R>): Promise<R> =>
    inContext((statementContext) => db.runStatement(statementContext, operation));
  return {
    kind: 'tenant',
    context: Object.freeze({ ...valid }),
    tables: createScopedApi(db.schema, valid.tenantId, run),
    transaction: (fn) => withTenantContext(db, valid, fn),
    statement: run,
    run,
    query: <Row>(text: string, params?: unknown[]) =>
      inContext((statementContext) => db.queryInContext<Row>(statementContext, text, params)),
  };
}
