/**
 * Custom roles, managed by the tenant's own members. Everything runs in the caller's tenant
 * context as the application role, so the database's RBAC policies decide: only a member holding
 * `roles:manage` can create a role or assign one (others get PERMISSION_DENIED from the
 * `roles_rbac_insert` / `member_roles_rbac_insert` policies).
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { driverErrorOf, InvalidIdError, MembershipError, sqlStateOf, TenantDbError } from '../errors.ts';
import { tenantMembers } from '../schema/members.ts';
import { memberRoles, permissions, roles, rolePermissions } from '../schema/rbac.ts';
import { withTenantContext, type TenantContext } from '../tenancy/context.ts';

type RoleRow = typeof roles.$inferSelect;

export interface CreateRoleInput {
  /** Unique within the tenant; the system roles' names are taken. */
  name: string;
  description?: string;
  /** `resource:action` names from the permission catalogue, e.g. `['connectors:manage']`. */
  permissions: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERMISSION = /^([a-z][a-z0-9_]*):([a-z][a-z0-9_]*)$/;

/**
 * Creates a custom role with the given permissions, in one transaction of the caller's context.
 * Throws INVALID_INPUT for an unknown permission, ALREADY_EXISTS when the tenant already has a
 * role of that name, PERMISSION_DENIED when the caller lacks `roles:manage`.
 *
 * @example
 * await createRole(db, { tenantId, userId: adminId }, { name: 'connector_admin', permissions: ['connectors:manage'] });
 */
export async function createRole(db: Database, ctx: TenantContext, input: CreateRoleInput): Promise<RoleRow> {
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
    return await withTenantContext(db, ctx, async (tx) => {
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
        .values({ name: input.name, description: input.description ?? null, isSystem: false })
        .returning();
      if (!role) throw new Error('insert into roles returned no row');
      if (found.length > 0) {
        await tx.insert(rolePermissions).values(found.map((p) => ({ roleId: role.id, permissionId: p.id })));
      }
      return role;
    });
  } catch (error) {
    if (sqlStateOf(error) === '23505' && driverErrorOf(error)?.constraint === 'roles_tenant_name_key') {
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
 * await assignRole(db, { tenantId, userId: adminId }, aliceId, 'connector_admin');
 */
export async function assignRole(
  db: Database,
  ctx: TenantContext,
  memberUserId: string,
  roleName: string,
): Promise<void> {
  if (typeof memberUserId !== 'string' || !UUID.test(memberUserId)) {
    throw new InvalidIdError(
      'INVALID_USER_ID',
      `assignRole: memberUserId must be a UUID (got ${typeof memberUserId}).`,
    );
  }
  await withTenantContext(db, ctx, async (tx) => {
    const [member] = await tx
      .select({ id: tenantMembers.id })
      .from(tenantMembers)
      .where(eq(tenantMembers.userId, memberUserId));
    if (!member) {
      throw new MembershipError('NOT_A_MEMBER', `assignRole: user ${memberUserId} is not a member of this tenant.`);
    }
    const [role] = await tx.select({ id: roles.id }).from(roles).where(eq(roles.name, roleName));
    if (!role)
      throw new TenantDbError('INVALID_INPUT', `assignRole: this tenant has no role ${JSON.stringify(roleName)}.`);
    await tx.insert(memberRoles).values({ memberId: member.id, roleId: role.id }).onConflictDoNothing();
  });
}
