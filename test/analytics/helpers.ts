/** Shared by the analytics tests: statement counting, the tenant's time zone, raw counts as the system. */
import { eq, sql } from 'drizzle-orm';
import { withSystemContext, type OrmTransaction, type TenantScope } from '../../src/index.ts';
import { tenants } from '../../src/schema/index.ts';
import type { TestDb } from '../helpers/backend.ts';

const STATEMENTS = new Set(['select', 'insert', 'update', 'delete', 'execute', 'selectDistinct']);

/**
 * The scope, with every Drizzle statement its functions start counted (select, insert, update,
 * delete, execute on the transaction they are given): how many statements one call sends.
 */
export function countingScope(scope: TenantScope): { scope: TenantScope; statements: () => number } {
  let count = 0;
  const wrap = (tx: OrmTransaction): OrmTransaction =>
    new Proxy(tx, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof key === 'string' && STATEMENTS.has(key) && typeof value === 'function') {
          return (...args: unknown[]) => {
            count++;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return value;
      },
    });
  const counted: TenantScope = {
    ...scope,
    kind: 'tenant',
    context: scope.context,
    tables: scope.tables,
    transaction: (fn) => scope.transaction((tx, inner) => fn(wrap(tx), inner)),
  };
  return { scope: counted, statements: () => count };
}

/** Sets (or with null removes) the tenant's `settings.timeZone`, as system work. */
export function setTimeZone(db: TestDb, tenantId: string, timeZone: string | null): Promise<unknown> {
  return withSystemContext(
    db,
    (tx) =>
      tx
        .update(tenants)
        .set({
          settings:
            timeZone === null
              ? sql`${tenants.settings} - 'timeZone'`
              : sql`${tenants.settings} || jsonb_build_object('timeZone', ${timeZone}::text)`,
        })
        .where(eq(tenants.id, tenantId)),
    { reason: 'test: tenant time zone' },
  );
}

/** Rows of `table` of one tenant, counted as the system (no RLS, no context). */
export async function countRows(
  db: TestDb,
  table: 'analytics_events' | 'analytics_snapshots' | 'module_insights',
  tenantId: string,
): Promise<number> {
  const rows = await db.rawQuery<{ n: number }>(`select count(*)::int as n from ${table} where tenant_id = $1`, [
    tenantId,
  ]);
  return rows[0]?.n ?? 0;
}
