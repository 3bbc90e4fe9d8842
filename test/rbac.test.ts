/**
 * RBAC: the permission catalogue, system and custom roles, `can()`, and the database's own
 * enforcement (RESTRICTIVE `<table>_rbac_*` and `<table>_writable_*` policies). Every protection
 * is exercised as tenantdb_app through tenant contexts, and each is shown to fail when removed.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  assignRole,
  can,
  createRole,
  PermissionError,
  provisionTenant,
  requirePermission,
  tenantTables,
  withSystemContext,
  withTenantContext,
  type OrmTransaction,
  type TenantContext,
  type TenantScope,
} from '../src/index.ts';
import {
  connectors,
  conversations,
  memberRoles,
  messages,
  permissions,
  rolePermissions,
  roles,
  tenantMembers,
  users,
} from '../src/schema/index.ts';
import type { RawSession } from '../src/db/database.ts';
import { sampleRow } from '../src/contract/row-factory.ts';
import { backend, createTestDatabase, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { systemOf, tenantOf } from './helpers/tenants.ts';

type AnyTable = PgTable & { tenantId: PgColumn; id: PgColumn; updatedAt: PgColumn };

interface Org {
  tenantId: string;
  ownerId: string;
  adminId: string;
  memberId: string;
  viewerId: string;
}

let t: TestDatabase;
let db: TestDb;
let checks = 0;

/** The system role a membership role starts with (src/tenants/provision.ts). */
const DEFAULT_ROLE = { owner: 'super_admin', admin: 'org_admin', member: 'org_member', viewer: 'org_member' } as const;

/** The system roles a member holds, read in the system context (ground truth). */
const systemRolesOf = (tenantId: string, userId: string) =>
  withSystemContext(db, async (tx) =>
    (
      await tx
        .select({ name: roles.name })
        .from(memberRoles)
        .innerJoin(
          tenantMembers,
          and(eq(tenantMembers.tenantId, memberRoles.tenantId), eq(tenantMembers.id, memberRoles.memberId)),
        )
        .innerJoin(roles, and(eq(roles.tenantId, memberRoles.tenantId), eq(roles.id, memberRoles.roleId)))
        .where(and(eq(memberRoles.tenantId, tenantId), eq(tenantMembers.userId, userId), eq(roles.isSystem, true)))
        .orderBy(roles.name)
    ).map((r) => r.name),
  );

/**
 * addMember, plus the membership's default system role when addMember did not give it (see the
 * 'addMember gives the default system role' test: until provision.ts assigns it, members added
 * with addMember hold no role at all). System context, as addMember itself.
 */
async function member(tenantId: string, email: string, role: 'admin' | 'member' | 'viewer'): Promise<string> {
  const userId = await addMember(systemOf(db), tenantId, { email }, role);
  await withSystemContext(db, (tx) =>
    tx.execute(sql`insert into member_roles (tenant_id, member_id, role_id)
      select m.tenant_id, m.id, r.id from tenant_members m join roles r on r.tenant_id = m.tenant_id
      where m.tenant_id = ${tenantId} and m.user_id = ${userId} and r.name = ${DEFAULT_ROLE[role]}
      on conflict do nothing`),
  );
  return userId;
}

async function org(label: string): Promise<Org> {
  const stamp = randomUUID().slice(0, 8);
  const email = (who: string) => `${who}-${label.toLowerCase()}-${stamp}@example.test`;
  const { tenant, ownerId } = await provisionTenant(systemOf(db), {
    name: label,
    slug: `rbac-${label.toLowerCase()}-${stamp}`,
    owner: { email: email('owner') },
  });
  return {
    tenantId: tenant.id,
    ownerId: ownerId as string,
    adminId: await member(tenant.id, email('admin'), 'admin'),
    memberId: await member(tenant.id, email('member'), 'member'),
    viewerId: await member(tenant.id, email('viewer'), 'viewer'),
  };
}

const as = (o: Org, userId: string | undefined): TenantContext => ({ tenantId: o.tenantId, userId });

/** A user who exists but is not a member of any tenant yet. */
async function newUser(label: string): Promise<string> {
  const [row] = await withSystemContext(db, (tx) =>
    tx
      .insert(users)
      .values({ email: `${label}-${randomUUID().slice(0, 8)}@example.test` })
      .returning({ id: users.id }),
  );
  return (row as { id: string }).id;
}

function rowsOf<Row>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

async function scalar<T>(tx: OrmTransaction, query: ReturnType<typeof sql>): Promise<T> {
  const [row] = rowsOf<{ value: T }>(await tx.execute(query));
  return (row as { value: T }).value;
}

/** Rejects with a typed error of the given code (and message); returns it. */
async function refused(promise: Promise<unknown>, code: string, message?: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}, but it succeeded`).toBeDefined();
  expect((error as { code?: string }).code, String(error)).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
  checks++;
  return error as Error;
}

function check<T>(actual: T, expected: T, label?: string) {
  expect(actual, label).toEqual(expected);
  checks++;
}

/** What the database says in the context of (tenant, user). */
const dbHasPermission = (o: Org, userId: string | undefined, resource: string, action: string) =>
  withTenantContext(db, as(o, userId), (tx) =>
    scalar<boolean>(tx, sql`select tenantdb.has_permission(${resource}, ${action}) as value`),
  );

const connectorById = (id: string) =>
  withSystemContext(db, async (tx) => (await tx.select().from(connectors).where(eq(connectors.id, id)))[0]);

/**
 * Runs `fn` in a raw transaction that is always rolled back (for removing a protection), and
 * returns what `fn` returned.
 */
async function rolledBack<T>(fn: (s: RawSession) => Promise<T>): Promise<T> {
  const marker = Symbol('rollback');
  let value: T | undefined;
  const outcome = await db
    .rawTransaction(async (s) => {
      value = await fn(s);
      throw Object.assign(new Error('rollback'), { [marker]: true });
    })
    .then(
      () => 'committed',
      (e: Record<symbol, unknown> & Error) => (e[marker] ? 'rolled back' : e),
    );
  if (outcome !== 'rolled back') throw outcome;
  return value as T;
}

const policyExists = async (name: string) =>
  (await db.rawQuery<{ n: number }>(`select count(*)::int as n from pg_policy where polname = $1`, [name]))[0]?.n === 1;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  console.log(`rbac [${backend}]: ${checks} checks`);
  await t?.dispose();
});

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
        .leftJoin(rolePermissions, eq(rolePermissions.roleId, roles.id))
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

describe('the database refuses a member without connectors:manage', () => {
  let A: Org;
  let existing: string;
  beforeAll(async () => {
    A = await org('Connectors');
    const [row] = await withTenantContext(db, as(A, A.ownerId), (tx) =>
      tx.insert(connectors).values({ name: 'Stripe', provider: 'stripe' }).returning(),
    );
    existing = (row as { id: string }).id;
  });

  it('INSERT is PERMISSION_DENIED (connectors_rbac_insert)', async () => {
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.insert(connectors).values({ name: 'Slack', provider: 'slack' }),
      ),
      'PERMISSION_DENIED',
      /connectors_rbac_insert.*roles do not grant/,
    );
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.execute(sql`insert into connectors (name, provider) values ('raw', 'raw')`),
      ),
      'PERMISSION_DENIED',
      /connectors_rbac_insert/,
    );
  });

  it('UPDATE raises (WITH CHECK, connectors_rbac_update) and changes nothing', async () => {
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.update(connectors).set({ name: 'hijacked' }).where(eq(connectors.id, existing)),
      ),
      'PERMISSION_DENIED',
      /connectors_rbac_update/,
    );
    check((await connectorById(existing))?.name, 'Stripe');
  });

  it('DELETE affects 0 rows; the row is still there', async () => {
    const deleted = await withTenantContext(db, as(A, A.memberId), (tx) =>
      tx.delete(connectors).where(eq(connectors.id, existing)).returning(),
    );
    check(deleted.length, 0);
    check((await connectorById(existing))?.id, existing);
    // The member can read it (connectors:read), so 0 is the policy, not invisibility.
    const seen = await withTenantContext(db, as(A, A.memberId), (tx) =>
      tx.select().from(connectors).where(eq(connectors.id, existing)),
    );
    check(seen.length, 1);
  });

  it('the owner can insert, update and delete', async () => {
    const id = await withTenantContext(db, as(A, A.ownerId), async (tx) => {
      const [row] = await tx.insert(connectors).values({ name: 'GA', provider: 'google' }).returning();
      await tx
        .update(connectors)
        .set({ name: 'Google Analytics' })
        .where(eq(connectors.id, (row as { id: string }).id));
      return (row as { id: string }).id;
    });
    check((await connectorById(id))?.name, 'Google Analytics');
    const deleted = await withTenantContext(db, as(A, A.ownerId), (tx) =>
      tx.delete(connectors).where(eq(connectors.id, id)).returning(),
    );
    check(deleted.length, 1);
    check(await connectorById(id), undefined);
  });

  it('the attacks succeed when the policies are removed', async () => {
    check(await policyExists('connectors_rbac_insert'), true);
    const inserted = await rolledBack(async (s) => {
      await s.exec('DROP POLICY connectors_rbac_insert ON connectors');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.memberId]);
      const [who] = await s.query<{ role: string }>('select current_user as role');
      expect(who?.role).toBe('tenantdb_app');
      return s.query<{ id: string }>(`insert into connectors (name, provider) values ('Slack', 'slack') returning id`);
    });
    check(inserted.length, 1);
    const deleted = await rolledBack(async (s) => {
      await s.exec('DROP POLICY connectors_rbac_delete ON connectors');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.memberId]);
      return s.query<{ id: string }>('delete from connectors where id = $1 returning id', [existing]);
    });
    check(deleted.length, 1);
    const updated = await rolledBack(async (s) => {
      await s.exec('DROP POLICY connectors_rbac_update ON connectors');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.memberId]);
      return s.query<{ id: string }>(`update connectors set name = 'hijacked' where id = $1 returning id`, [existing]);
    });
    check(updated.length, 1);
    // All rolled back.
    check(await policyExists('connectors_rbac_insert'), true);
    check((await connectorById(existing))?.name, 'Stripe');
  });
});

describe('members:manage and roles:manage', () => {
  let A: Org;
  let spare: string;
  const ids = (o: Org, userId: string) =>
    withTenantContext(db, as(o, o.ownerId), async (tx) => {
      const [member] = await tx.select().from(tenantMembers).where(eq(tenantMembers.userId, userId));
      const [superAdmin] = await tx.select().from(roles).where(eq(roles.name, 'super_admin'));
      return { memberId: (member as { id: string }).id, superAdminId: (superAdmin as { id: string }).id };
    });
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
    await refused(
      withTenantContext(db, as(A, A.memberId), (tx) =>
        tx.insert(rolePermissions).values({
          roleId: sql`(select id from roles where name = 'org_member')`,
          permissionId: sql`(select id from permissions where resource = 'connectors' and action = 'manage')`,
        }),
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
        .innerJoin(roles, eq(roles.id, memberRoles.roleId))
        .innerJoin(tenantMembers, eq(tenantMembers.id, memberRoles.memberId))
        .where(eq(tenantMembers.userId, spare))
        .orderBy(roles.name),
    );
    check(
      held.map((r) => r.name),
      ['agent_user', 'org_member'],
    );
  });

  it('nobody grants more than they hold: an org_admin cannot become super_admin or hand out billing:manage', async () => {
    const { memberId: adminMemberId, superAdminId } = await ids(A, A.adminId);
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
    // Without the grant policies, the same self-promotion goes through.
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

  it('the self-grant succeeds when the member_roles write policies are removed', async () => {
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

describe('viewers never write', () => {
  let A: Org;
  const rows = new Map<string, string>();
  const tables = tenantTables();
  let probeUser: string;
  let permissionId: string;
  /** Tables whose writes also need a permission (`<table>_rbac_*` policies). */
  let rbacTables: Set<string>;
  beforeAll(async () => {
    A = await org('Viewers');
    rbacTables = new Set(
      (
        await db.rawQuery<{ name: string }>(
          `select c.relname as name from pg_policy p join pg_class c on c.oid = p.polrelid
           where p.polname = c.relname || '_rbac_insert'`,
        )
      ).map((r) => r.name),
    );
    expect(rbacTables.has('connectors')).toBe(true);
    probeUser = await newUser('probe');
    const [permission] = await db.rawQuery<{ id: string }>(
      `select id from permissions order by resource, action limit 1`,
    );
    permissionId = (permission as { id: string }).id;
    // One row of every tenant table, written by the owner (parents first).
    await withTenantContext(db, as(A, A.ownerId), async (tx) => {
      for (const info of tables) {
        const values = sampleRow(info.table, {
          parents: rows,
          userId: probeUser,
          globals: new Map([['permissions', permissionId]]),
        });
        const [row] = (await tx.insert(info.table).values(values).returning()) as { id: string }[];
        rows.set(info.name, (row as { id: string }).id);
        // The grant policies read the member's grants from the context's settings, taken when it
        // opened: recompute them, so a role written here can be granted further down.
        await tx.execute(sql`select tenantdb.refresh_context()`);
      }
    });
  });

  const asViewer = <T>(fn: (tx: OrmTransaction) => Promise<T>) => withTenantContext(db, as(A, A.viewerId), fn);

  it('a viewer reads conversations and messages', async () => {
    const seen = await asViewer(async (tx) => ({
      conversations: (await tx.select().from(conversations)).length,
      messages: (await tx.select().from(messages)).length,
    }));
    check(seen, { conversations: 1, messages: 1 });
  });

  it('conversations and messages: insert and update are PERMISSION_DENIED with the viewer message', async () => {
    const conversationId = rows.get('conversations') as string;
    const viewer = /_writable_(insert|update).*viewers can read but never write/;
    await refused(
      asViewer((tx) => tx.insert(conversations).values({ title: 'nope' })),
      'PERMISSION_DENIED',
      viewer,
    );
    await refused(
      asViewer((tx) => tx.update(conversations).set({ title: 'nope' }).where(eq(conversations.id, conversationId))),
      'PERMISSION_DENIED',
      viewer,
    );
    await refused(
      asViewer((tx) => tx.insert(messages).values({ conversationId, role: 'user', content: 'nope' })),
      'PERMISSION_DENIED',
      viewer,
    );
    await refused(
      asViewer((tx) => tx.execute(sql`update messages set content = 'nope'`)),
      'PERMISSION_DENIED',
      viewer,
    );
    // The roles alone would allow it: the viewer's membership started as org_member.
    check(await dbHasPermission(A, A.viewerId, 'conversations', 'write'), true);
  });

  it('every tenant table: insert and update refused, delete removes nothing', async () => {
    for (const info of tables) {
      const table = info.table as AnyTable;
      const values = sampleRow(table, {
        parents: rows,
        userId: probeUser,
        globals: new Map([['permissions', permissionId]]),
      });
      await refused(
        asViewer((tx) => tx.insert(table).values(values)),
        'PERMISSION_DENIED',
        rbacTables.has(info.name)
          ? new RegExp(`${info.name}_(rbac|writable)_insert`)
          : new RegExp(`${info.name}_writable_insert.*viewers can read but never write`),
      );
      const id = rows.get(info.name) as string;
      await refused(
        asViewer((tx) =>
          tx
            .update(table)
            .set({ updatedAt: new Date() } as never)
            .where(eq(table.id, id)),
        ),
        'PERMISSION_DENIED',
      );
      if (info.commands.includes('delete')) {
        const deleted = await asViewer((tx) => tx.delete(table).where(eq(table.id, id)).returning());
        check(deleted.length, 0, `${info.name} delete`);
      }
    }
    const remaining = await withSystemContext(db, async (tx) => {
      const found: string[] = [];
      for (const info of tables) {
        const table = info.table as AnyTable;
        const [row] = await tx
          .select({ id: table.id })
          .from(table)
          .where(eq(table.id, rows.get(info.name) as string));
        if (row) found.push(info.name);
      }
      return found;
    });
    check(
      remaining,
      tables.map((info) => info.name),
    );
  });

  it('a context opened without a user is not narrowed', async () => {
    const written = await withTenantContext(db, as(A, undefined), async (tx) => {
      await tx.insert(conversations).values({ title: 'from a job' });
      await tx.insert(connectors).values({ name: 'webhook', provider: 'webhook' });
      return scalar<string>(tx, sql`select current_setting('app.current_member_role', true) as value`);
    });
    check(written, '');
  });

  it('the viewer writes when the _writable_ policy is removed', async () => {
    const inserted = await rolledBack(async (s) => {
      await s.exec('DROP POLICY conversations_writable_insert ON conversations');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.viewerId]);
      return s.query(`insert into conversations (title) values ('viewer wrote this') returning id`);
    });
    check(inserted.length, 1);
  });
});

describe('tenantdb.user_has_permission', () => {
  let A: Org;
  let B: Org;
  beforeAll(async () => {
    A = await org('AskA');
    B = await org('AskB');
  });
  const ask = (tx: OrmTransaction, user: string, tenant: string, resource: string, action: string) =>
    scalar<boolean>(
      tx,
      sql`select tenantdb.user_has_permission(${user}::uuid, ${tenant}::uuid, ${resource}, ${action}) as value`,
    );

  it("refuses, inside tenant A's context, to answer for tenant B (CROSS_TENANT_QUERY)", async () => {
    for (const user of [B.ownerId, A.ownerId]) {
      await refused(
        withTenantContext(db, as(A, A.ownerId), (tx) => ask(tx, user, B.tenantId, 'connectors', 'manage')),
        'CROSS_TENANT_QUERY',
        /only for the tenant of the open context/,
      );
    }
    await refused(
      withTenantContext(db, as(A, undefined), (tx) => ask(tx, B.ownerId, B.tenantId, 'connectors', 'read')),
      'CROSS_TENANT_QUERY',
    );
  });

  it('answers for A inside A', async () => {
    const answers = await withTenantContext(db, as(A, A.memberId), async (tx) => [
      await ask(tx, A.ownerId, A.tenantId, 'connectors', 'manage'),
      await ask(tx, A.memberId, A.tenantId, 'connectors', 'manage'),
      await ask(tx, A.memberId, A.tenantId, 'conversations', 'write'),
      await ask(tx, A.adminId, A.tenantId, 'billing', 'manage'),
      await ask(tx, B.ownerId, A.tenantId, 'conversations', 'read'), // not a member of A
    ]);
    check(answers, [true, false, true, false, false]);
  });

  it('answers for any tenant in the system context, and for none without a context', async () => {
    const answers = await withSystemContext(db, async (tx) => [
      await ask(tx, B.ownerId, B.tenantId, 'connectors', 'manage'),
      await ask(tx, B.memberId, B.tenantId, 'connectors', 'manage'),
      await ask(tx, A.ownerId, A.tenantId, 'billing', 'manage'),
      await ask(tx, A.ownerId, B.tenantId, 'conversations', 'read'),
    ]);
    check(answers, [true, false, true, false]);
    const error = await db
      .rawQuery(`select tenantdb.user_has_permission($1, $2, 'connectors', 'manage')`, [B.ownerId, B.tenantId])
      .then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    check(error, 'TD007');
  });

  it('is SECURITY INVOKER with a fixed search_path (as is has_permission)', async () => {
    const defs = await db.rawQuery<{ name: string; prosecdef: boolean; proconfig: string[] | null }>(
      `select proname as name, prosecdef, proconfig from pg_proc
       where pronamespace = 'tenantdb'::regnamespace and proname in ('user_has_permission', 'has_permission')
       order by proname`,
    );
    check(
      defs.map((d) => d.name),
      ['has_permission', 'user_has_permission'],
    );
    for (const def of defs) {
      check(def.prosecdef, false, `${def.name} prosecdef`);
      check(def.proconfig?.includes('search_path=pg_catalog, pg_temp'), true, `${def.name} proconfig`);
    }
  });

  it("without its guard, a context that bypasses RLS would answer for another tenant's members", async () => {
    const [def] = await db.rawQuery<{ body: string }>(
      `select pg_get_functiondef('tenantdb.user_has_permission(uuid, uuid, text, text)'::regprocedure) as body`,
    );
    const unguarded = (def as { body: string }).body.replace(/\n\s*IF p_tenant IS DISTINCT FROM[\s\S]*?END IF;/, '');
    expect(unguarded).not.toBe(def?.body);
    // With the guard: refused even on a privileged (no role switch) context.
    const guarded = await db
      .rawTransaction(async (s) => {
        await s.query('select tenantdb.open_context($1::uuid, $2::uuid, false)', [A.tenantId, A.ownerId]);
        await s.query(`select tenantdb.user_has_permission($1, $2, 'connectors', 'manage')`, [B.ownerId, B.tenantId]);
      })
      .then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
    check(guarded, 'TD007');
    const leaked = await rolledBack(async (s) => {
      await s.exec(unguarded);
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, false)', [A.tenantId, A.ownerId]);
      const [row] = await s.query<{ value: boolean }>(
        `select tenantdb.user_has_permission($1, $2, 'connectors', 'manage') as value`,
        [B.ownerId, B.tenantId],
      );
      return row?.value;
    });
    check(leaked, true);
  });
});

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

describe('RBAC only narrows: tenant isolation still holds', () => {
  let A: Org;
  let B: Org;
  beforeAll(async () => {
    A = await org('NarrowA');
    B = await org('NarrowB');
  });

  it('an owner with every permission cannot write a connector naming another tenant', async () => {
    await refused(
      withTenantContext(db, as(A, A.ownerId), (tx) =>
        tx.insert(connectors).values({ tenantId: B.tenantId, name: 'planted', provider: 'x' }),
      ),
      'TENANT_ISOLATION_VIOLATION',
      /connectors_tenant_isolation/,
    );
    const [own] = await withTenantContext(db, as(A, A.ownerId), (tx) =>
      tx.insert(connectors).values({ name: 'own', provider: 'x' }).returning(),
    );
    await refused(
      withTenantContext(db, as(A, A.ownerId), (tx) =>
        tx
          .update(connectors)
          .set({ tenantId: B.tenantId })
          .where(and(eq(connectors.id, (own as { id: string }).id))),
      ),
      'TENANT_ISOLATION_VIOLATION',
    );
    check(
      (await withSystemContext(db, (tx) => tx.select().from(connectors).where(eq(connectors.tenantId, B.tenantId))))
        .length,
      0,
    );
  });

  it('without the tenant policy, the same write lands in the other tenant', async () => {
    const planted = await rolledBack(async (s) => {
      await s.exec('DROP POLICY connectors_tenant_isolation ON connectors');
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.ownerId]);
      return s.query<{ tenant_id: string }>(
        `insert into connectors (tenant_id, name, provider) values ($1, 'planted', 'x') returning tenant_id`,
        [B.tenantId],
      );
    });
    check(planted[0]?.tenant_id, B.tenantId);
  });
});
