/**
 * Custom roles, managed by the tenant's own members. Everything runs in the caller's tenant
 * context as the application role, so the database's RBAC policies decide: only a member holding
 * `roles:manage` can create a role or assign one (others get PERMISSION_DENIED from the
 * `roles_rbac_insert` / `member_roles_rbac_insert` policies).
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { constraintOf, InvalidIdError, MembershipError, sqlStateOf, TenantDbError } from '../errors.ts';
import { tenantMembers } from '../schema/members.ts';
import { memberRoles, permissions, roles, rolePermissions } from '../schema/rbac.ts';
import { isUuid, requireTenantScope, type TenantScope } from '../tenancy/index.ts';

type RoleRow = typeof roles.$inferSelect;

export interface CreateRoleInput {
  /** Unique within the tenant; the system roles' names are taken. */
  name: string;
  description?: string;
  /** `resource:action` names from the permission catalogue, e.g. `['connectors:manage']`. */
  permissions: readonly string[];
}

const PERMISSION = /^([a-z][a-z0-9_]*):([a-z][a-z0-9_]*)$/;

/**
 * Creates a custom role with the given permissions, in one transaction of the caller's context.
 * Throws INVALID_INPUT for an unknown permission, ALREADY_EXISTS when the tenant already has a
 * role of that name, PERMISSION_DENIED when the caller lacks `roles:manage`.
 *
 * @example
 * await createRole(tenant, { name: 'connector_admin', permissions: ['connectors:manage'] });
 */
export async function createRole(scope: TenantScope, input: CreateRoleInput): Promise<RoleRow> {
  const tenant = requireTenantScope(scope, 'createRole');
  const { tenantId } = tenant.context;
  if (typeof input.name !== 'string' || input.name.trim() === '') {
    throw new TenantDbError('INVALID_INPUT', 'createRole: name is required.');
  }
  const wanted = [...new Set(input.permissions)].map((name) => {
    const match = typeof name === 'string' ? PERMISSION.exec(name) : null;
    if (!match) {
      throw new TenantDbError('INVALID_INPUT', `createRole: ${JSON.stringify(name)} is not a resource:action name.`);
    }
    return { name, resource: match[1] as string, action: match[2] as string };
  });
  try {
    return await tenant.transaction(async (tx) => {
      const found =
        wanted.length === 0
          ? []
          : await tx
              .select({ id: permissions.id, resource: permissions.resource, action: permissions.action })
              .from(permissions)
              .where(
                inArray(
                  sql`${permissions.resource} || ':' || ${permissions.action}`,
                  wanted.map((p) => p.name),
                ),
              );
      const known = new Set(found.map((p) => `${p.resource}:${p.action}`));
      const unknown = wanted.filter((p) => !known.has(p.name)).map((p) => p.name);
      if (unknown.length > 0) {
        throw new TenantDbError('INVALID_INPUT', `createRole: unknown permission(s) ${unknown.join(', ')}.`);
      }
      const [role] = await tx
        .insert(roles)
        .values({ tenantId, name: input.name, description: input.description ?? null, isSystem: false })
        .returning();
      if (!role) throw new Error('insert into roles returned no row');
      if (found.length > 0) {
        await tx.insert(rolePermissions).values(found.map((p) => ({ tenantId, roleId: role.id, permissionId: p.id })));
      }
      // The policies read the member's grants from the context's settings: recompute them, so the
      // new role can be assigned later in the same transaction.
      await tx.execute(sql`select tenantdb.refresh_context()`);
      return role;
    });
  } catch (error) {
    if (sqlStateOf(error) === '23505' && constraintOf(error) === 'roles_tenant_name_key') {
      throw new TenantDbError(
        'ALREADY_EXISTS',
        `createRole: this tenant already has a role named ${JSON.stringify(input.name)}.`,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Gives the member `memberUserId` the role `roleName` (idempotent), in the caller's context.
 * Throws NOT_A_MEMBER when the user is not a member of the tenant, INVALID_INPUT for an unknown
 * role, PERMISSION_DENIED when the caller lacks `roles:manage`.
 *
 * @example
 * await assignRole(tenant, aliceId, 'connector_admin');
 */
export async function assignRole(scope: TenantScope, memberUserId: string, roleName: string): Promise<void> {
  const tenant = requireTenantScope(scope, 'assignRole');
  const { tenantId } = tenant.context;
  if (!isUuid(memberUserId)) {
    throw new InvalidIdError(
      'INVALID_USER_ID',
      `assignRole: memberUserId must be a UUID (got ${typeof memberUserId}).`,
    );
  }
  await tenant.transaction(async (tx) => {
    const [member] = await tx
      .select({ id: tenantMembers.id })
      .from(tenantMembers)
      .where(and(eq(tenantMembers.tenantId, tenantId), eq(tenantMembers.userId, memberUserId)));
    if (!member) {
      throw new MembershipError('NOT_A_MEMBER', `assignRole: user ${memberUserId} is not a member of this tenant.`);
    }
    const [role] = await tx
      .select({ id: roles.id })
      .from(roles)
      .where(and(eq(roles.tenantId, tenantId), eq(roles.name, roleName)));
    if (!role)
      throw new TenantDbError('INVALID_INPUT', `assignRole: this tenant has no role ${JSON.stringify(roleName)}.`);
    await tx.insert(memberRoles).values({ tenantId, memberId: member.id, roleId: role.id }).onConflictDoNothing();
    await tx.execute(sql`select tenantdb.refresh_context()`);
  });
}
