import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rowsOf } from '../db/rows.ts';
import type { Database, OrmTransaction, Schema } from '../db/database.ts';
import { TenantDbError, translateDatabaseError } from '../errors.ts';
import type { SystemScope } from './scope.ts';

/** Compiles a statement to text and parameters, as Drizzle would send it. */
const dialect = new PgDialect();

function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim() === '') {
    throw new TenantDbError(
      'INVALID_INPUT',
      'The system context needs a reason (it is logged in tenantdb.system_context_log), e.g. { reason: "nightly cost rollup" }.',
    );
  }
  return reason;
}

/**
 * Runs `fn` in the system context on the system connection: explicitly cross-tenant work
 * (provisioning, rollups, queue claiming) as `tenantdb_system`, which bypasses RLS. Each call is
 * logged with its reason in `tenantdb.system_context_log`. Refused (SYSTEM_CONTEXT_FORBIDDEN)
 * when the connection's role is not a member of tenantdb_system, such as tenantdb_app.
 *
 * @example
 * await withSystemContext(db, (tx, system) => provisionTenant(system, { name, slug }), { reason: 'signup' });
 */
export async function withSystemContext<TSchema extends Schema, T>(
  db: Database<TSchema>,
  fn: (tx: OrmTransaction<TSchema>, scope: SystemScope<TSchema>) => Promise<T>,
  options: { reason?: string } = {},
): Promise<T> {
  const reason = checkReason(options.reason ?? 'withSystemContext');
  try {
    return await db.systemTransaction(async (tx) => {
      await tx.execute(sql`select tenantdb.open_system_context(${reason})`);
      const scope: SystemScope<TSchema> = Object.freeze({
        kind: 'system',
        reason,
        transaction: <R>(inner: (tx: OrmTransaction<TSchema>, scope: SystemScope<TSchema>) => Promise<R>) =>
          inner(tx, scope),
        statement: async <Row>(query: SQL) => rowsOf<Row>(await tx.execute(query)),
      });
      return fn(tx, scope);
    });
  } catch (error) {
    throw translateDatabaseError(error);
  }
}

/** A system scope whose every call is its own system transaction, logged with `reason`. */
export function createSystemScope<TSchema extends Schema>(db: Database<TSchema>, reason: string): SystemScope<TSchema> {
  const valid = checkReason(reason);
  return Object.freeze({
    kind: 'system',
    reason: valid,
    transaction: <R>(fn: (tx: OrmTransaction<TSchema>, scope: SystemScope<TSchema>) => Promise<R>) =>
      withSystemContext(db, fn, { reason: valid }),
    statement: async <Row>(query: SQL) => {
      const { sql: text, params } = dialect.sqlToQuery(query);
      try {
        return await db.systemQuery<Row>(valid, text, params);
      } catch (error) {
        throw translateDatabaseError(error);
      }
    },
  });
}
