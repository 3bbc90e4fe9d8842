/**
 * Permission checks for the application: the same answer the database's RBAC policies give.
 * The database enforces permissions on its own (RESTRICTIVE policies `<table>_rbac_*` call
 * `tenantdb.has_permission()`), so these functions are for deciding what to show or attempt —
 * hiding a button, failing a request early with a clear error — never the only guard.
 */
import { sql } from 'drizzle-orm';
import type { Database, OrmTransaction } from '../db/database.ts';
import { PermissionError, TenantDbError, translateDatabaseError } from '../errors.ts';
import { withTenantContext, type TenantContext } from '../tenancy/context.ts';

const NAME = /^[a-z][a-z0-9_]*$/;

function checkName(kind: 'resource' | 'action', value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${kind} must be a lowercase name such as 'connectors' or 'manage' (got ${JSON.stringify(value)}).`,
    );
  }
  return value;
}

function rowsOf<Row>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

/**
 * Whether the member of the tenant context open in `tx` may do `action` on `resource`, e.g.
 * `('connectors', 'manage')`. Runs one query in the caller's transaction, so it sees what the
 * transaction sees (a role granted earlier in it counts).
 *
 * - A context opened with a `userId` answers from that member's roles (`member_roles` →
 *   `role_permissions`), exactly as the RBAC policies do (`tenantdb.has_permission`).
 * - A viewer (membership role `viewer`) is read-only: every action other than `read` is `false`,
 *   as the database refuses every write of a viewer.
 * - A context opened without a `userId` is the application acting for the tenant (a job, a
 *   webhook): not narrowed by RBAC, so the answer is `true` for any catalogued permission.
 * - Fails closed: throws TENANT_CONTEXT_MISSING when no tenant context is open in `tx` (on a
 *   privileged connection the check would otherwise answer `true`), and INVALID_INPUT for a
 *   permission that is not in the catalogue (`permissions`), so a typo is never silently allowed.
 *
 * @example
 * await withTenantContext(db, { tenantId, userId }, async (tx) => {
 *   if (await canInTransaction(tx, 'connectors', 'manage')) {
 *     await tx.insert(connectors).values({ name: 'Stripe', provider: 'stripe' });
 *   }
 * });
 */
export async function canInTransaction(tx: OrmTransaction, resource: string, action: string): Promise<boolean> {
  checkName('resource', resource);
  checkName('action', action);
  let row: { has_context: boolean; known: boolean; allowed: boolean } | undefined;
  try {
    const result = await tx.execute(sql`
      select tenantdb.current_tenant_id() is not null as has_context,
             exists (select 1 from public.permissions p where p.resource = ${resource} and p.action = ${action}) as known,
             coalesce(tenantdb.has_permission(${resource}, ${action})
               and (${action} = 'read' or tenantdb.current_member_can_write()), false) as allowed`);
    row = rowsOf<{ has_context: boolean; known: boolean; allowed: boolean }>(result)[0];
  } catch (error) {
    throw translateDatabaseError(error);
  }
  if (row === undefined) throw new Error('the permission check returned no row');
  if (!row.has_context) {
    throw new TenantDbError(
      'TENANT_CONTEXT_MISSING',
      `No tenant context is open in this transaction: check ${resource}:${action} inside withTenantContext(db, { tenantId, userId }, fn).`,
    );
  }
  if (!row.known) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `Unknown permission ${resource}:${action}: it is not in the permission catalogue (table permissions).`,
    );
  }
  return row.allowed === true;
}

/**
 * Whether the member `ctx.userId` may do `action` on `resource` in tenant `ctx.tenantId`. Opens
 * the tenant context (so the membership is checked: NOT_A_MEMBER, TENANT_CANCELLED … are thrown
 * as by withTenantContext) and asks the database; see {@link canInTransaction} for the rules.
 *
 * @example
 * if (!(await can(db, { tenantId, userId }, 'connectors', 'manage'))) {
 *   return new Response('Only admins can add connectors', { status: 403 });
 * }
 */
export async function can(db: Database, ctx: TenantContext, resource: string, action: string): Promise<boolean> {
  checkName('resource', resource);
  checkName('action', action);
  return withTenantContext(db, ctx, (tx) => canInTransaction(tx, resource, action));
}

function denied(resource: string, action: string, userId: string | undefined): PermissionError {
  return new PermissionError(
    'PERMISSION_DENIED',
    `Permission ${resource}:${action} is required${userId ? ` (user ${userId} does not hold it)` : ''}: grant it through a role (createRole / assignRole, needs roles:manage).`,
  );
}

/**
 * Like {@link can}, but throws a PermissionError (code PERMISSION_DENIED, naming the permission)
 * when the member lacks it.
 *
 * @example
 * await requirePermission(db, { tenantId, userId }, 'billing', 'manage');
 * // … only reached when the member may change billing
 */
export async function requirePermission(
  db: Database,
  ctx: TenantContext,
  resource: string,
  action: string,
): Promise<void> {
  if (!(await can(db, ctx, resource, action))) throw denied(resource, action, ctx.userId ?? undefined);
}

/**
 * Like {@link canInTransaction}, but throws a PermissionError (PERMISSION_DENIED) when the member
 * of the open context lacks the permission.
 *
 * @example
 * await withTenantContext(db, { tenantId, userId }, async (tx) => {
 *   await requirePermissionInTransaction(tx, 'connectors', 'manage');
 *   await tx.delete(connectors).where(eq(connectors.id, connectorId));
 * });
 */
export async function requirePermissionInTransaction(
  tx: OrmTransaction,
  resource: string,
  action: string,
): Promise<void> {
  if (!(await canInTransaction(tx, resource, action))) throw denied(resource, action, undefined);
}
