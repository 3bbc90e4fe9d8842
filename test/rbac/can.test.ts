/**
 * RBAC: the system roles of a provisioned tenant, the default role of each membership, and
 * `can()` / `requirePermission()` agreeing with the database's `tenantdb.has_permission()`,
 * failing closed without a context, for unknown permissions and for strangers.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, it } from 'vitest';
import {
  addMember,
  can,
  PermissionError,
  requirePermission,
  withSystemContext,
  withTenantContext,
  type TenantScope,
} from '../../src/index.ts';
import { permissions, rolePermissions, roles } from '../../src/schema/index.ts';
import { systemOf, tenantOf } from '../helpers/tenants.ts';
import {
  as,
  check,
  db,
  dbHasPermission,
  DEFAULT_ROLE,
  org,
  refused,
  scalar,
  systemRolesOf,
  useDatabase,
  type Org,
} from './helpers.ts';

useDatabase('can');

describe('system roles and can()', () => {
  let A: Org;
  let catalogue: { resource: string; action: string }[];
  beforeAll(async () => {
    A = await org('Roles');
    catalogue = await withTenantContext(db, as(A, A.ownerId), (tx) =>
      tx.select({ resource: permissions.resource, action: permissions.action }).from(permissions),
    );
  });

  it('a provisioned tenant has the 4 system roles, each with permissions', async () => {
    const rows = await withTenantContext(db, as(A, A.ownerId), (tx) =>
      tx
        .select({ name: roles.name, isSystem: roles.isSystem, n: sql<number>`count(${rolePermissions.id})::int` })
        .from(roles)
        // Joined on tenant_id too: on Citus a join of two tenant tables runs on one shard only so.
        .leftJoin(
          rolePermissions,
          and(eq(rolePermissions.tenantId, roles.tenantId), eq(rolePermissions.roleId, roles.id)),
        )
        .groupBy(roles.name, roles.isSystem)
        .orderBy(roles.name),
    );
    check(
      rows.map((r) => [r.name, r.isSystem]),
      [
        ['agent_user', true],
        ['org_admin', true],
        ['org_member', true],
        ['super_admin', true],
      ],
    );
    const count = Object.fromEntries(rows.map((r) => [r.name, r.n]));
    check(catalogue.length >= 18, true, 'the permission catalogue');
    check(count.super_admin, catalogue.length, 'super_admin holds every permission');
    check(count.org_admin, catalogue.length - 1, 'org_admin holds all but billing:manage');
    check(count.org_member, 10);
    check(count.agent_user, 6);
  });

  it('provisionTenant and addMember give each member the default system role of its membership', async () => {
    check(await systemRolesOf(A.tenantId, A.ownerId), ['super_admin']);
    const stamp = randomUUID().slice(0, 8);
    for (const role of ['admin', 'member', 'viewer'] as const) {
      const userId = await addMember(systemOf(db), A.tenantId, { email: `plain-${role}-${stamp}@example.test` }, role);
      check(await systemRolesOf(A.tenantId, userId), [DEFAULT_ROLE[role]], `addMember(${role})`);
    }
    // Changing the membership role replaces the default role: a demoted admin loses org_admin.
    const demoted = await addMember(systemOf(db), A.tenantId, { email: `demoted-${stamp}@example.test` }, 'admin');
    await addMember(systemOf(db), A.tenantId, { email: `demoted-${stamp}@example.test` }, 'member');
    check(await systemRolesOf(A.tenantId, demoted), ['org_member'], 'admin demoted to member');
    check(await dbHasPermission(A, demoted, 'members', 'manage'), false);
  });

  it('the owner has connectors:manage; a plain member has conversations:write but not connectors:manage', async () => {
    check(await can(tenantOf(db, as(A, A.ownerId)), 'connectors', 'manage'), true);
    check(await can(tenantOf(db, as(A, A.adminId)), 'connectors', 'manage'), true);
    check(await can(tenantOf(db, as(A, A.adminId)), 'billing', 'manage'), false);
    check(await can(tenantOf(db, as(A, A.memberId)), 'conversations', 'write'), true);
    check(await can(tenantOf(db, as(A, A.memberId)), 'connectors', 'read'), true);
    check(await can(tenantOf(db, as(A, A.memberId)), 'connectors', 'manage'), false);
    check(await can(tenantOf(db, as(A, A.memberId)), 'members', 'manage'), false);
  });

  it('can() agrees with the database for every permission and member', async () => {
    for (const userId of [A.ownerId, A.adminId, A.memberId]) {
      for (const { resource, action } of catalogue) {
        check(
          await can(tenantOf(db, as(A, userId)), resource, action),
          await dbHasPermission(A, userId, resource, action),
          `${resource}:${action}`,
        );
      }
    }
    // A viewer: the roles answer for reads; every other action is refused by the database
    // (the `_writable_` policies), and can() says so.
    for (const { resource, action } of catalogue) {
      const allowed = await can(tenantOf(db, as(A, A.viewerId)), resource, action);
      if (action === 'read') check(allowed, await dbHasPermission(A, A.viewerId, resource, action));
      else check(allowed, false, `viewer ${resource}:${action}`);
    }
    // The application acting for the tenant (no user) is not narrowed.
    check(await can(tenantOf(db, as(A, undefined)), 'billing', 'manage'), true);
    check(await dbHasPermission(A, undefined, 'billing', 'manage'), true);
  });

  it("can() with withTenantContext's scope sees the open transaction; requirePermission throws PERMISSION_DENIED naming the permission", async () => {
    check(await withTenantContext(db, as(A, A.memberId), (_tx, scope) => can(scope, 'tasks', 'create')), true);
    const error = await refused(
      requirePermission(tenantOf(db, as(A, A.memberId)), 'connectors', 'manage'),
      'PERMISSION_DENIED',
      /connectors:manage/,
    );
    check(error instanceof PermissionError, true);
    await refused(
      withTenantContext(db, as(A, A.memberId), (_tx, scope) => requirePermission(scope, 'billing', 'manage')),
      'PERMISSION_DENIED',
      /billing:manage/,
    );
    await requirePermission(tenantOf(db, as(A, A.ownerId)), 'billing', 'manage');
    await withTenantContext(db, as(A, A.ownerId), (_tx, scope) => requirePermission(scope, 'billing', 'manage'));
  });

  it('fails closed: no context, unknown permissions, malformed names, strangers', async () => {
    // On the privileged connection with no context, has_permission() alone would say true.
    check(
      await db.dangerouslyPrivilegedOrm.transaction((tx) =>
        scalar<boolean>(tx, sql`select tenantdb.has_permission('billing', 'manage') as value`),
      ),
      true,
    );
    // A hand-made tenant scope (a JavaScript caller can pass anything) over that transaction:
    // can() asks the database whether a context is open, so it still fails closed.
    await refused(
      db.dangerouslyPrivilegedOrm.transaction((tx) => {
        const forged: TenantScope = {
          kind: 'tenant',
          context: { tenantId: A.tenantId, userId: A.ownerId },
          tables: {},
          transaction: (fn) => fn(tx, forged),
          statement: (fn) => fn(tx),
        };
        return can(forged, 'billing', 'manage');
      }),
      'TENANT_CONTEXT_MISSING',
    );
    // A system scope is not a tenant scope.
    await refused(
      withSystemContext(db, (_tx, system) => can(system as unknown as TenantScope, 'billing', 'manage')),
      'TENANT_CONTEXT_MISSING',
    );
    await refused(can(tenantOf(db, as(A, undefined)), 'conectors', 'manage'), 'INVALID_INPUT', /conectors:manage/);
    await refused(can(tenantOf(db, as(A, A.ownerId)), "connectors'; --", 'manage'), 'INVALID_INPUT');
    const B = await org('Stranger');
    await refused(can(tenantOf(db, as(A, B.ownerId)), 'connectors', 'read'), 'NOT_A_MEMBER');
  });
});
