import { sql } from 'drizzle-orm';
import type { Database, OrmTransaction, Schema, StatementContext, StatementOrm } from '../db/database.ts';
import { rowsOf } from '../db/rows.ts';
import { translateDatabaseError } from '../errors.ts';
import type { OpenStatus, TenantScope } from './scope.ts';
import { createScopedApi, type ScopedApi } from './scoped.ts';
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
 * bare statement); `transaction` opens a short `withTenantContext`. Cheap to make (a request
 * handler makes one per request): the context is checked here, and the scoped tables are built
 * on first use. It authorizes nothing by itself: every statement opens the context again, so a
 * suspension or a removed membership takes effect on the very next one.
 */
export class StatementScope<TSchema extends Schema = Schema> implements TenantStatementScope<TSchema> {
  readonly kind = 'tenant' as const;
  readonly context: Readonly<TenantContext>;
  readonly run: <R>(operation: (db: StatementOrm<TSchema>) => Promise<R>) => Promise<R>;
  readonly statement: <R>(operation: (db: StatementOrm<TSchema>) => Promise<R>) => Promise<R>;
  readonly query: <Row = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<Row[]>;
  readonly transaction: <R>(fn: (tx: OrmTransaction<TSchema>, scope: TenantScope<TSchema>) => Promise<R>) => Promise<R>;
  readonly #db: Database<TSchema>;
  #tables: ScopedApi<TSchema> | undefined;

  constructor(db: Database<TSchema>, context: TenantContext) {
    const valid = validateContext(context);
    this.#db = db;
    this.context = Object.freeze(valid);
    const statementContext = (onStatus: (status: string) => void): StatementContext => ({
      tenantId: valid.tenantId,
      userId: valid.userId ?? null,
      switchRole: db.switchRole,
      onStatus,
    });
    const inContext = async <R>(fn: (statementContext: StatementContext) => Promise<R>): Promise<R> => {
      let status = '';
      try {
        return await fn(
          statementContext((value) => {
            status = value;
          }),
        );
      } catch (error) {
        throw translateDatabaseError(error, { readOnlyTenant: status === 'SUSPENDED' });
      }
    };
    this.run = (operation) => inContext((c) => db.runStatement(c, operation));
    this.statement = this.run;
    this.query = (text, params) => inContext((c) => db.queryInContext(c, text, params));
    this.transaction = (fn) => withTenantContext(db, valid, fn);
  }

  get tables(): ScopedApi<TSchema> {
    return (this.#tables ??= createScopedApi(this.#db.schema, this.context.tenantId, this.run));
  }
}

/** A {@link StatementScope}: what a tenant client is made of, and what the worker hands a handler. */
export function createStatementScope<TSchema extends Schema>(
  db: Database<TSchema>,
  context: TenantContext,
): TenantStatementScope<TSchema> {
  return new StatementScope(db, context);
}
