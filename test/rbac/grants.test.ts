/**
 * RBAC grants: members:manage and roles:manage guard memberships, member_roles and
 * role_permissions; nobody grants more than they hold (the `_grant_rbac_` policies); each
 * self-promotion succeeds once its policies are dropped.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, it } from 'vitest';
import { assignRole, can, createRole, withSystemContext, withTenantContext } from '../../src/index.ts';
import { memberRoles, permissions, rolePermissions, roles, tenantMembers } from '../../src/schema/index.ts';
import { isCitus } from '../helpers/backend.ts';
import { tenantOf } from '../helpers/tenants.ts';
import {
  as,
  check,
  db,
  dbHasPermission,
  ids,
  newUser,
  org,
  refused,
  rolledBack,
  useDatabase,
  type Org,
} from './helpers.ts';

useDatabase('grants');

describe('members:manage and roles:manage', () => {
  let A: Org;
  let spare: string;
  beforeAll(async () => {
    A = await org('Members');
    spare = await newUser('spare');
  });

  it('a plain member cannot add members, change memberships, or grant themselves a role', async () => {
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) => tx.insert(tenantMembers).values({ userId: spare })),
      'PERMISSION_DENIED',
      /tenant_members_rbac_insert/,
    );
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.update(tenantMembers).set({ role: 'owner' }).where(eq(tenantMembers.userId, A.memberId)),
      ),
      'PERMISSION_DENIED',
      /tenant_members_rbac_update/,
    );
    const { memberId, superAdminId } = await ids(A, A.memberId);
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.insert(memberRoles).values({ memberId, roleId: superAdminId }),
      ),
      'PERMISSION_DENIED',
      /member_roles_(grant_)?rbac_insert/,
    );
    // The ids first (Citus refuses subqueries in an INSERT's VALUES before RLS sees the row).
    const [orgMember] = await withTenantContext(db, as(A, A.memberId), (tx) =>
      tx.select({ id: roles.id }).from(roles).where(eq(roles.name, 'org_member')),
    );
    const [manage] = await withTenantContext(db, as(A, A.memberId), (tx) =>
      tx
        .select({ id: permissions.id })
        .from(permissions)
        .where(and(eq(permissions.resource, 'connectors'), eq(permissions.action, 'manage'))),
    );
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.insert(rolePermissions).values({ roleId: orgMember?.id as string, permissionId: manage?.id as string }),
      ),
      'PERMISSION_DENIED',
      /role_permissions_(grant_)?rbac_insert/,
    );
    await refused(
      createRole(tenantOf(db, as(A, A.memberId)), { name: 'mine', permissions: ['connectors:manage'] }),
      'PERMISSION_DENIED',
      /roles_rbac_insert/,
    );
    await refused(assignRole(tenantOf(db, as(A, A.memberId)), A.memberId, 'super_admin'), 'PERMISSION_DENIED');
    check(await dbHasPermission(A, A.memberId, 'connectors', 'manage'), false);
    check(
      (await withSystemContext(db, (tx) => tx.select().from(tenantMembers).where(eq(tenantMembers.userId, spare))))
        .length,
      0,
    );
  });

  it('an admin can add a member and give them a role', async () => {
    await withTenantContext(db, as(A, A.adminId), async (tx) => {
      const [member] = await tx.insert(tenantMembers).values({ userId: spare, invitedBy: A.adminId }).returning();
      const [role] = await tx.select().from(roles).where(eq(roles.name, 'org_member'));
      await tx
        .insert(memberRoles)
        .values({ memberId: (member as { id: string }).id, roleId: (role as { id: string }).id });
    });
    check(await can(tenantOf(db, as(A, spare)), 'conversations', 'write'), true);
    await assignRole(tenantOf(db, as(A, A.adminId)), spare, 'agent_user');
    await assignRole(tenantOf(db, as(A, A.adminId)), spare, 'agent_user'); // idempotent
    const held = await withTenantContext(db, as(A, spare), (tx) =>
      tx
        .select({ name: roles.name })
        .from(memberRoles)
        // Joined on tenant_id too: on Citus a join of tenant tables runs on one shard only so.
        .innerJoin(roles, and(eq(roles.tenantId, memberRoles.tenantId), eq(roles.id, memberRoles.roleId)))
        .innerJoin(
          tenantMembers,
          and(eq(tenantMembers.tenantId, memberRoles.tenantId), eq(tenantMembers.id, memberRoles.memberId)),
        )
        .where(eq(tenantMembers.userId, spare))
        .orderBy(roles.name),
    );
    check(
      held.map((r) => r.name),
      ['agent_user', 'org_member'],
    );
  });

  it('nobody grants more than they hold: an org_admin cannot become super_admin or hand out billing:manage', async () => {
    await refused(
      assignRole(tenantOf(db, as(A, A.adminId)), A.adminId, 'super_admin'),
      'PERMISSION_DENIED',
      /member_roles_grant_rbac_insert/,
    );
    await refused(
      createRole(tenantOf(db, as(A, A.adminId)), {
        name: `payer-${randomUUID().slice(0, 6)}`,
        permissions: ['billing:manage'],
      }),
      'PERMISSION_DENIED',
      /role_permissions_grant_rbac_insert/,
    );
    check(await dbHasPermission(A, A.adminId, 'billing', 'manage'), false);
    // What the admin holds, the admin may grant; the owner may grant anything.
    await createRole(tenantOf(db, as(A, A.adminId)), {
      name: `conn-${randomUUID().slice(0, 6)}`,
      permissions: ['connectors:manage'],
    });
    await createRole(tenantOf(db, as(A, A.ownerId)), {
      name: `pay-${randomUUID().slice(0, 6)}`,
      permissions: ['billing:manage'],
    });
  });

  // Skipped on Citus: the restrictive policy it drops does not exist there (distribute folds it
  // into the permissive-only form), and DDL and writes as tenantdb_app cannot share a transaction.
  it.skipIf(isCitus)('without the grant policies, the same self-promotion goes through', async () => {
    const { memberId: adminMemberId, superAdminId } = await ids(A, A.adminId);
    const promoted = await rolledBack(async (s) => {
      await s.exec('DROP POLICY member_roles_grant_rbac_insert ON member_roles');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.adminId]);
      await s.query('insert into member_roles (member_id, role_id) values ($1, $2)', [adminMemberId, superAdminId]);
      await s.query('select tenantdb.refresh_context()');
      const [row] = await s.query<{ value: boolean }>(`select tenantdb.has_permission('billing', 'manage') as value`);
      return row?.value;
    });
    check(promoted, true);
  });

  // Skipped on Citus: the restrictive policy it drops does not exist there (distribute folds it
  // into the permissive-only form), and DDL and writes as tenantdb_app cannot share a transaction.
  it.skipIf(isCitus)('the self-grant succeeds when the member_roles write policies are removed', async () => {
    const { memberId, superAdminId } = await ids(A, A.memberId);
    const gained = await rolledBack(async (s) => {
      await s.exec(
        'DROP POLICY member_roles_rbac_insert ON member_roles; DROP POLICY member_roles_grant_rbac_insert ON member_roles',
      );
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.memberId]);
      await s.query('insert into member_roles (member_id, role_id) values ($1, $2)', [memberId, superAdminId]);
      await s.query('select tenantdb.refresh_context()'); // the grant counts from the refreshed settings
      const [row] = await s.query<{ value: boolean }>(
        `select tenantdb.has_permission('connectors', 'manage') as value`,
      );
      return row?.value;
    });
    check(gained, true);
    const attacker = await newUser('attacker'); // outside the raw transaction: PGlite has one connection
    const added = await rolledBack(async (s) => {
      await s.exec('DROP POLICY tenant_members_rbac_insert ON tenant_members');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.memberId]);
      return s.query('insert into tenant_members (user_id) values ($1) returning id', [attacker]);
    });
    check(added.length, 1);
    check(await dbHasPermission(A, A.memberId, 'connectors', 'manage'), false);
  });
});
