/**
 * Permission checks for the application: the same answer the database's RBAC policies give.
 * The database enforces permissions on its own (RESTRICTIVE policies `<table>_rbac_*` call
 * `tenantdb.has_permission()`), so these functions are for deciding what to show or attempt —
 * hiding a button, failing a request early with a clear error — never the only guard.
 */
import { sql } from 'drizzle-orm';
import { PermissionError, TenantDbError, translateDatabaseError } from '../errors.ts';
import { requireTenantScope, rowsOf, type TenantScope } from '../tenancy/index.ts';

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

/**
 * Whether the member of the scope's tenant context may do `action` on `resource`, e.g.
 * `('connectors', 'manage')`. Runs one query in the scope's transaction, so inside
 * `withTenantContext` it sees what that transaction sees (a role granted earlier in it counts).
 *
 * - A context opened with a `userId` answers from that member's roles (`member_roles` →
 *   `role_permissions`) as they are now. The RBAC policies answer from the same roles as they
 *   were when the context opened (or was last refreshed: createRole and assignRole refresh it).
 * - A viewer (membership role `viewer`) is read-only: every action other than `read` is `false`,
 *   as the database refuses every write of a viewer.
 * - A context opened without a `userId` is the application acting for the tenant (a job, a
 *   webhook): not narrowed by RBAC, so the answer is `true` for any catalogued permission.
 * - Fails closed: throws TENANT_CONTEXT_MISSING without a tenant scope, and INVALID_INPUT for a
 *   permission that is not in the catalogue (`permissions`), so a typo is never silently allowed.
 *
 * @example
 * if (!(await can(tenant, 'connectors', 'manage'))) {
 *   return new Response('Only admins can add connectors', { status: 403 });
 * }
 */
export async function can(scope: TenantScope, resource: string, action: string): Promise<boolean> {
  const tenant = requireTenantScope(scope, 'can');
  checkName('resource', resource);
  checkName('action', action);
  const row = await tenant.transaction(async (tx) => {
    try {
      const result = await tx.execute(sql`
        select tenantdb.current_tenant_id() is not null as has_context,
               exists (select 1 from public.permissions p where p.resource = ${resource} and p.action = ${action}) as known,
               coalesce((tenantdb.current_user_id() is null
                   or tenantdb.user_has_permission(tenantdb.current_user_id(), tenantdb.current_tenant_id(), ${resource}, ${action}))
                 and (${action} = 'read' or tenantdb.current_member_can_write()), false) as allowed`);
      return rowsOf<{ has_context: boolean; known: boolean; allowed: boolean }>(result)[0];
    } catch (error) {
      throw translateDatabaseError(error);
    }
  });
  if (row === undefined) throw new Error('the permission check returned no row');
  if (!row.has_context) {
    throw new TenantDbError(
      'TENANT_CONTEXT_MISSING',
      `No tenant context is open in this transaction: check ${resource}:${action} with a tenant scope.`,
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
 * Like {@link can}, but throws a PermissionError (code PERMISSION_DENIED, naming the permission)
 * when the member lacks it.
 *
 * @example
 * await requirePermission(tenant, 'billing', 'manage');
 * // … only reached when the member may change billing
 */
export async function requirePermission(scope: TenantScope, resource: string, action: string): Promise<void> {
  if (!(await can(scope, resource, action))) {
    const userId = scope.context.userId;
    throw new PermissionError(
      'PERMISSION_DENIED',
      `Permission ${resource}:${action} is required${userId ? ` (user ${userId} does not hold it)` : ''}: grant it through a role (createRole / assignRole, needs roles:manage).`,
    );
  }
}
