import { sql } from 'drizzle-orm';
import type { Database, OrmTransaction, StatementContext, StatementOrm } from '../db/database.ts';
import { InvalidIdError, TenantDbError, translateDatabaseError } from '../errors.ts';
import { createScopedApi, type ScopedApi } from './scoped.ts';

/** Who a piece of work is for: the tenant, and (optionally) the member acting in it. */
export interface TenantContext {
  tenantId: string;
  /** When given, the user must be an ACTIVE member of the tenant. */
  userId?: string | undefined;
}

/** The tenant's status as seen when the context opened. SUSPENDED contexts are read-only. */
export type OpenStatus = 'ACTIVE' | 'TRIAL' | 'SUSPENDED';

export interface TenantScope extends ScopedApi {
  readonly context: Readonly<TenantContext> & { readonly status: OpenStatus };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks a context before any query: a missing or malformed id is a typed error, nothing runs. */
export function validateContext(context: unknown): TenantContext {
  if (context === null || typeof context !== 'object' || !('tenantId' in context) || context.tenantId == null) {
    throw new TenantDbError(
      'TENANT_CONTEXT_MISSING',
      'No tenant context: pass { tenantId } (and optionally userId), e.g. withTenantContext(db, { tenantId }, fn).',
    );
  }
  const { tenantId, userId } = context as { tenantId: unknown; userId?: unknown };
  if (typeof tenantId !== 'string' || !UUID.test(tenantId)) {
    throw new InvalidIdError(
      'INVALID_TENANT_ID',
      `tenantId must be a UUID (got ${describe(tenantId)}). Nothing was run.`,
    );
  }
  if (userId !== undefined && userId !== null && (typeof userId !== 'string' || !UUID.test(userId))) {
    throw new InvalidIdError('INVALID_USER_ID', `userId must be a UUID (got ${describe(userId)}). Nothing was run.`);
  }
  return { tenantId: tenantId.toLowerCase(), userId: typeof userId === 'string' ? userId.toLowerCase() : undefined };
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

/**
 * Opens the tenant context inside the given transaction with one SQL call: authorizes (tenant
 * exists, not cancelled; user an active member), sets `app.current_tenant_id` /
 * `app.current_user_id` with SET LOCAL, makes a suspended tenant's transaction read-only, and
 * switches a privileged connection to `tenantdb_app`. Transaction-local: it ends with the
 * transaction, so a pooled connection never carries it into the next request.
 *
 * @example
 * await db.orm.transaction(async (tx) => {
 *   await setRLSTenantContext(tx, tenantId);
 *   return tx.select().from(conversations);
 * });
 */
export async function setRLSTenantContext(
  tx: OrmTransaction,
  tenantId: string,
  options: { userId?: string | undefined; switchRole?: boolean } = {},
): Promise<OpenStatus> {
  const context = validateContext({ tenantId, userId: options.userId });
  const result = await tx.execute<{ status: OpenStatus }>(
    sql`select tenantdb.open_context(${context.tenantId}::uuid, ${context.userId ?? null}::uuid, ${options.switchRole ?? true}) as status`,
  );
  const rows = (Array.isArray(result) ? result : (result as { rows: { status: OpenStatus }[] }).rows) as {
    status: OpenStatus;
  }[];
  const status = rows[0]?.status;
  if (status === undefined) throw new Error('tenantdb.open_context returned no row');
  return status;
}

/**
 * Runs `fn` in one transaction with the tenant context open. Every statement in it — Drizzle
 * queries on `tx`, raw SQL, or the scoped API — sees only this tenant's rows; inserts get its
 * `tenant_id`; writes naming another tenant are rejected. Commits when `fn` resolves, rolls back
 * when it throws.
 *
 * @example
 * const rows = await withTenantContext(db, { tenantId, userId }, async (tx, scoped) => {
 *   await scoped.conversations.insert({ title: 'Q3 plan', persona: 'cfo' });
 *   return tx.select().from(conversations);
 * });
 */
export async function withTenantContext<T>(
  db: Database,
  context: TenantContext,
  fn: (tx: OrmTransaction, scoped: TenantScope) => Promise<T>,
): Promise<T> {
  const valid = validateContext(context);
  let readOnly = false;
  try {
    return await db.orm.transaction(async (tx) => {
      const status = await setRLSTenantContext(tx, valid.tenantId, {
        userId: valid.userId,
        switchRole: db.switchRole,
      });
      readOnly = status === 'SUSPENDED';
      const scoped = createScopedApi(valid.tenantId, (operation) => operation(tx)) as TenantScope;
      Object.defineProperty(scoped, 'context', { value: Object.freeze({ ...valid, status }), enumerable: false });
      return fn(tx, scoped);
    });
  } catch (error) {
    throw translateDatabaseError(error, { readOnlyTenant: readOnly });
  }
}

/** A tenant-bound client: every operation is its own short tenant transaction. */
export type TenantClient = ScopedApi & {
  readonly context: Readonly<TenantContext>;
  /** Several statements atomically, in one tenant transaction. */
  transaction<T>(fn: (tx: OrmTransaction, scoped: TenantScope) => Promise<T>): Promise<T>;
  /**
   * Exactly one Drizzle (or raw `sql`) statement, in its own tenant transaction, in one round
   * trip. A second statement in `fn` is refused (STATEMENT_LIMIT): use `transaction()`.
   */
  run<T>(fn: (db: StatementOrm) => Promise<T>): Promise<T>;
  /**
   * One SQL statement with bound parameters (`$1`, `$2`, …), in its own tenant transaction, in
   * one round trip; resolves to its rows. RLS applies as to everything else here.
   */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
};

/**
 * A client bound to one tenant (and user) whose every operation opens, uses and commits its own
 * short transaction — so a request that waits seconds on an LLM call holds no connection and no
 * open transaction meanwhile. Each operation is one statement, sent together with the context in
 * one pipeline: on a server it costs the same single round trip as the bare statement.
 *
 * @example
 * const tenant = createTenantClient(db, { tenantId, userId });
 * const convo = await tenant.conversations.insert({ title: 'Launch', persona: 'cmo' });
 * const answer = await callTheModel();            // no connection held here
 * await tenant.messages.insert({ conversationId: convo.id, role: 'assistant', content: answer });
 */
export function createTenantClient(db: Database, context: TenantContext): TenantClient {
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
  const run = <R>(operation: (db: StatementOrm) => Promise<R>): Promise<R> =>
    inContext((statementContext) => db.runStatement(statementContext, operation));
  const query = <Row>(text: string, params?: unknown[]): Promise<Row[]> =>
    inContext((statementContext) => db.queryInContext<Row>(statementContext, text, params));
  const client = createScopedApi(valid.tenantId, run) as TenantClient;
  Object.defineProperties(client, {
    context: { value: Object.freeze({ ...valid }), enumerable: false },
    transaction: {
      value: <T>(fn: (tx: OrmTransaction, scoped: TenantScope) => Promise<T>) => withTenantContext(db, valid, fn),
      enumerable: false,
    },
    run: { value: run, enumerable: false },
    query: { value: query, enumerable: false },
  });
  return client;
}

/**
 * Runs `fn` in the system context: explicitly cross-tenant work (provisioning, rollups, queue
 * claiming) as `tenantdb_system`, which bypasses RLS. Each call is logged with its reason in
 * `tenantdb.system_context_log`. Refused (SYSTEM_CONTEXT_FORBIDDEN) on a connection whose role is
 * not a member of tenantdb_system, such as tenantdb_app.
 *
 * @example
 * await withSystemContext(db, (tx) => tx.insert(tenants).values({ name, slug }), { reason: 'signup' });
 */
export async function withSystemContext<T>(
  db: Database,
  fn: (tx: OrmTransaction) => Promise<T>,
  options: { reason?: string } = {},
): Promise<T> {
  try {
    return await db.orm.transaction(async (tx) => {
      await tx.execute(sql`select tenantdb.open_system_context(${options.reason ?? 'withSystemContext'})`);
      return fn(tx);
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
}
