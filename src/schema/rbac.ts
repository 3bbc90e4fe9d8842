import { sql } from 'drizzle-orm';
import { boolean, index, pgPolicy, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { globalTable } from '../contract/global-table.ts';
import { appRole } from '../contract/roles.ts';
import { tenantReference, tenantTable } from '../contract/tenant-table.ts';
import { tenantMembers } from './members.ts';

/** The permission catalogue (resource + action), the same for every tenant. */
export const permissions = globalTable(
  'permissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    resource: text('resource').notNull(),
    action: text('action').notNull(),
    description: text('description'),
  },
  {
    reason: 'the permission catalogue is shared by all tenants; the application role may only read it',
    extra: (t) => [
      uniqueIndex('permissions_resource_action_key').on(t.resource, t.action),
      pgPolicy('permissions_select_all', { for: 'select', to: appRole, using: sql`true` }),
    ],
  },
);

/** Roles of a tenant: the system roles every tenant gets at provisioning, and custom ones. */
export const roles = tenantTable(
  'roles',
  {
    name: text('name').notNull(),
    description: text('description'),
    isSystem: boolean('is_system').notNull().default(false),
  },
  {
    audit: {},
    extra: (t) => [uniqueIndex('roles_tenant_name_key').on(t.tenantId, t.name)],
  },
);

export const rolePermissions = tenantTable(
  'role_permissions',
  {
    roleId: uuid('role_id').notNull(),
    permissionId: uuid('permission_id')
      .notNull()
      .references(() => permissions.id, { onDelete: 'cascade' }),
  },
  {
    audit: {},
    extra: (t) => [
      tenantReference(t, t.roleId, roles),
      uniqueIndex('role_permissions_tenant_role_permission_key').on(t.tenantId, t.roleId, t.permissionId),
    ],
  },
);

export const memberRoles = tenantTable(
  'member_roles',
  {
    memberId: uuid('member_id').notNull(),
    roleId: uuid('role_id').notNull(),
  },
  {
    audit: {},
    extra: (t) => [
      tenantReference(t, t.memberId, tenantMembers),
      tenantReference(t, t.roleId, roles),
      uniqueIndex('member_roles_tenant_member_role_key').on(t.tenantId, t.memberId, t.roleId),
      index('member_roles_tenant_role_idx').on(t.tenantId, t.roleId),
    ],
  },
);
