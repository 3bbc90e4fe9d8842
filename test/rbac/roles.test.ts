/**
 * RBAC custom roles: `createRole()` and `assignRole()`, a custom role that grants a permission,
 * typed errors for unknown permissions, roles and members, and role names unique per tenant.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, it } from 'vitest';
import { assignRole, can, createRole, withTenantContext } from '../../src/index.ts';
import { connectors, permissions, rolePermissions } from '../../src/schema/index.ts';
import { tenantOf } from '../helpers/tenants.ts';
import { as, check, db, newUser, org, refused, useDatabase, type Org } from './helpers.ts';

useDatabase('roles');

describe('custom roles', () => {
  let A: Org;
  beforeAll(async () => {
    A = await org('Custom');
  });
  const insertConnector = (userId: string, name: string) =>
    withTenantContext(db, as(A, userId), (tx) =>
      tx.insert(connectors).values({ name, provider: 'custom' }).returning(),
    );

  it('the owner creates connector_admin, assigns it to a plain member, who can then add a connector', async () => {
    await refused(insertConnector(A.memberId, 'before'), 'PERMISSION_DENIED');
    const role = await createRole(tenantOf(db, as(A, A.ownerId)), {
      name: 'connector_admin',
      description: 'Manages connectors',
      permissions: ['connectors:manage', 'connectors:read'],
    });
    check([role.name, role.isSystem, role.tenantId], ['connector_admin', false, A.tenantId]);
    const granted = await withTenantContext(db, as(A, A.ownerId), (tx) =>
      tx
        .select({ resource: permissions.resource, action: permissions.action })
        .from(rolePermissions)
        .innerJoin(permissions, eq(permissions.id, rolePermissions.permissionId))
        .where(eq(rolePermissions.roleId, role.id))
        .orderBy(permissions.action),
    );
    check(granted, [
      { resource: 'connectors', action: 'manage' },
      { resource: 'connectors', action: 'read' },
    ]);
    check(await can(tenantOf(db, as(A, A.memberId)), 'connectors', 'manage'), false);
    await assignRole(tenantOf(db, as(A, A.ownerId)), A.memberId, 'connector_admin');
    check(await can(tenantOf(db, as(A, A.memberId)), 'connectors', 'manage'), true);
    const [row] = await insertConnector(A.memberId, 'after');
    check(row?.tenantId, A.tenantId);
    // Still no roles:manage: the member cannot pass roles on.
    await refused(assignRole(tenantOf(db, as(A, A.memberId)), A.viewerId, 'connector_admin'), 'PERMISSION_DENIED');
  });

  it('typed errors for unknown permissions, roles and members; names are unique per tenant', async () => {
    await refused(
      createRole(tenantOf(db, as(A, A.ownerId)), { name: 'typo', permissions: ['conectors:manage'] }),
      'INVALID_INPUT',
      /conectors:manage/,
    );
    await refused(
      createRole(tenantOf(db, as(A, A.ownerId)), { name: 'bad', permissions: ['connectors'] }),
      'INVALID_INPUT',
    );
    await refused(assignRole(tenantOf(db, as(A, A.ownerId)), A.memberId, 'no_such_role'), 'INVALID_INPUT');
    await refused(assignRole(tenantOf(db, as(A, A.ownerId)), await newUser('outsider'), 'org_member'), 'NOT_A_MEMBER');
    await refused(assignRole(tenantOf(db, as(A, A.ownerId)), 'bob', 'org_member'), 'INVALID_USER_ID');
    await refused(
      createRole(tenantOf(db, as(A, A.ownerId)), { name: 'org_admin', permissions: [] }),
      'ALREADY_EXISTS',
      /already has a role named "org_admin"/,
    );
    // Another tenant may use the same name.
    const B = await org('CustomB');
    const other = await createRole(tenantOf(db, as(B, B.ownerId)), { name: 'connector_admin', permissions: [] });
    check(other.tenantId, B.tenantId);
  });
});
