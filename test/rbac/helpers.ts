/**
 * Shared fixtures of the RBAC tests (test/rbac/*.test.ts): a database per test file, an org of
 * four members (owner, admin, member, viewer), contexts for them, and assertions that count the
 * checks they make. Every protection is exercised as tenantdb_app through tenant contexts.
 *
 * Each test file calls `useDatabase(name)` once at its top level; `db` is then set for its hooks
 * and tests (an ES module live binding, one per test file: vitest isolates files).
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  addMember,
  provisionTenant,
  withSystemContext,
  withTenantContext,
  type OrmTransaction,
  type TenantContext,
} from '../../src/index.ts';
import { memberRoles, roles, tenantMembers, users } from '../../src/schema/index.ts';
import type { RawSession } from '../../src/db/database.ts';
import { backend, createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { systemOf } from '../helpers/tenants.ts';

export interface Org {
  tenantId: string;
  ownerId: string;
  adminId: string;
  memberId: string;
  viewerId: string;
}

let t: TestDatabase | undefined;
// Set by useDatabase's beforeAll; importers see the value through the live binding.
export let db: TestDb;
let checks = 0;

/** A fresh migrated database for this test file; prints the file's check count at the end. */
export function useDatabase(name: string): void {
  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.db;
  });
  afterAll(async () => {
    console.log(`rbac/${name} [${backend}]: ${checks} checks`);
    await t?.dispose();
  });
}

/** The system role a membership role starts with (src/tenants/provision.ts). */
export const DEFAULT_ROLE = {
  owner: 'super_admin',
  admin: 'org_admin',
  member: 'org_member',
  viewer: 'org_member',
} as const;

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

/** A provisioned tenant with an owner, an admin, a plain member and a viewer. */
export async function org(label: string): Promise<Org> {
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

export const as = (o: Org, userId: string | undefined): TenantContext => ({ tenantId: o.tenantId, userId });

/** The membership id of `userId` in `o`, and the id of o's super_admin role (read as the owner). */
export const ids = (o: Org, userId: string) =>
  withTenantContext(db, as(o, o.ownerId), async (tx) => {
    const [member] = await tx.select().from(tenantMembers).where(eq(tenantMembers.userId, userId));
    const [superAdmin] = await tx.select().from(roles).where(eq(roles.name, 'super_admin'));
    return { memberId: (member as { id: string }).id, superAdminId: (superAdmin as { id: string }).id };
  });

/** A user who exists but is not a member of any tenant yet. */
export async function newUser(label: string): Promise<string> {
  const [row] = await withSystemContext(db, (tx) =>
    tx
      .insert(users)
      .values({ email: `${label}-${randomUUID().slice(0, 8)}@example.test` })
      .returning({ id: users.id }),
  );
  return (row as { id: string }).id;
}

/** The system roles a member holds, read in the system context (ground truth). */
export const systemRolesOf = (tenantId: string, userId: string) =>
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

function rowsOf<Row>(result: unknown): Row[] {
  return (Array.isArray(result) ? result : (result as { rows: Row[] }).rows) as Row[];
}

/** The `value` column of the first row of `query`. */
export async function scalar<T>(tx: OrmTransaction, query: ReturnType<typeof sql>): Promise<T> {
  const [row] = rowsOf<{ value: T }>(await tx.execute(query));
  return (row as { value: T }).value;
}

/** Rejects with a typed error of the given code (and message); returns it. */
export async function refused(promise: Promise<unknown>, code: string, message?: RegExp) {
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

export function check<T>(actual: T, expected: T, label?: string) {
  expect(actual, label).toEqual(expected);
  checks++;
}

/** What the database says in the context of (tenant, user). */
export const dbHasPermission = (o: Org, userId: string | undefined, resource: string, action: string) =>
  withTenantContext(db, as(o, userId), (tx) =>
    scalar<boolean>(tx, sql`select tenantdb.has_permission(${resource}, ${action}) as value`),
  );

/**
 * Runs `fn` in a raw transaction that is always rolled back (for removing a protection), and
 * returns what `fn` returned.
 */
export async function rolledBack<T>(fn: (s: RawSession) => Promise<T>): Promise<T> {
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
