/** RBAC: permission checks (the same answer the database's policies give), custom roles, the member directory. */
import type { TenantScope } from '../tenancy/index.ts';
import { can, requirePermission } from './can.ts';
import { listMembers, type ListMembersOptions } from './members.ts';
import { assignRole, createRole, type CreateRoleInput } from './roles.ts';

export { listMembers, type ListMembersOptions, type Member } from './members.ts';
export { can, requirePermission } from './can.ts';
export { assignRole, createRole, type CreateRoleInput } from './roles.ts';

/** The tenant client's `rbac` namespace. */
export function rbacNamespace(scope: TenantScope) {
  return {
    can: (resource: string, action: string) => can(scope, resource, action),
    require: (resource: string, action: string) => requirePermission(scope, resource, action),
    createRole: (input: CreateRoleInput) => createRole(scope, input),
    assignRole: (memberUserId: string, roleName: string) => assignRole(scope, memberUserId, roleName),
    listMembers: (options?: ListMembersOptions) => listMembers(scope, options),
  };
}
