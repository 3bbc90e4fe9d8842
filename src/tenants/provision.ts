import { and, eq, inArray, ne, sql } from 'drizzle-orm';

import { TenantDbError } from '../errors.ts';
import { users } from '../schema/identity.ts';
import { tenantMembers } from '../schema/members.ts';
import { memberRoles, roles } from '../schema/rbac.ts';
import { tenants } from '../contract/tenants.ts';
import { requireSystemScope, validateContext, type SystemScope, type OrmTransaction } from '../tenancy/index.ts';

type TenantRow = typeof tenants.$inferSelect;
type Plan = TenantRow['plan'];
type MemberRole = (typeof tenantMembers.$inferSelect)['role'];

export interface ProvisionTenantInput {
  name: string;
  slug: string;
  plan?: Plan;
  status?: 'ACTIVE' | 'TRIAL';
  owner?: { email: string; name?: string };
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Creates a tenant and, when `owner` is given, its owner (an existing user with that email, or a
 * new one) with an ACTIVE owner membership — all in one system-context transaction, so a failure
 * leaves nothing behind.
 */
export async function provisionTenant(
  scope: SystemScope,
  input: ProvisionTenantInput,
): Promise<{ tenant: TenantRow; ownerId: string | undefined }> {
  const system = requireSystemScope(scope, 'provisionTenant');
  if (typeof input.name !== 'string' || input.name.trim() === '') {
    throw new TenantDbError('INVALID_INPUT', 'provisionTenant: name is required.');
  }
  if (typeof input.slug !== 'string' || !SLUG.test(input.slug)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `provisionTenant: slug must be lowercase letters, digits and dashes (got ${JSON.stringify(input.slug)}).`,
    );
  }
  return system.transaction(async (tx) => {
    const [taken] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, input.slug));
    if (taken) {
      throw new TenantDbError(
        'ALREADY_EXISTS',
        `A tenant with slug "${input.slug}" already exists; choose another slug.`,
      );
    }
    const [tenant] = await tx
      .insert(tenants)
      .values({ name: input.name, slug: input.slug, plan: input.plan ?? 'free', status: input.status ?? 'ACTIVE' })
      .returning();
    if (!tenant) throw new Error('insert into tenants returned no row');
    await tx.execute(sql`select tenantdb.create_default_roles(${tenant.id}::uuid)`);
    let ownerId: string | undefined;
    if (input.owner) {
      ownerId = await ensureUser(tx, input.owner);
      await addMembership(tx, tenant.id, ownerId, 'owner');
    }
    return { tenant, ownerId };
  });
}

/** Adds (or re-activates) a member; creates the user when the email is new. System context. */
export async function addMember(
  scope: SystemScope,
  tenantId: string,
  user: { email: string; name?: string },
  role: MemberRole = 'member',
): Promise<string> {
  const system = requireSystemScope(scope, 'addMember');
  validateContext({ tenantId });
  return system.transaction(async (tx) => {
    const [tenant] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw new TenantDbError('TENANT_NOT_FOUND', `Tenant ${tenantId} does not exist.`);
    const userId = await ensureUser(tx, user);
    await addMembership(tx, tenantId, userId, role);
    return userId;
  });
}

/**
 * Moves a tenant through its lifecycle: SUSPENDED makes its contexts read-only, CANCELLED refuses
 * them, ACTIVE/TRIAL restores access.
 */
export async function setTenantStatus(
  scope: SystemScope,
  tenantId: string,
  status: TenantRow['status'],
): Promise<void> {
  const system = requireSystemScope(scope, 'setTenantStatus');
  validateContext({ tenantId });
  await system.transaction(async (tx) => {
    const updated = await tx
      .update(tenants)
      .set({ status })
      .where(eq(tenants.id, tenantId))
      .returning({ id: tenants.id });
    if (updated.length === 0) throw new TenantDbError('TENANT_NOT_FOUND', `Tenant ${tenantId} does not exist.`);
  });
}

/** The system role a membership role starts with. */
const DEFAULT_ROLE: Record<MemberRole, string> = {
  owner: 'super_admin',
  admin: 'org_admin',
  member: 'org_member',
  viewer: 'org_member',
};

type SystemTx = OrmTransaction;

async function addMembership(tx: SystemTx, tenantId: string, userId: string, role: MemberRole): Promise<void> {
  const [member] = await tx
    .insert(tenantMembers)
    .values({ tenantId, userId, role })
    .onConflictDoUpdate({ target: [tenantMembers.tenantId, tenantMembers.userId], set: { role, status: 'ACTIVE' } })
    .returning({ id: tenantMembers.id });
  if (!member) throw new Error('insert into tenant_members returned no row');
  const [systemRole] = await tx
    .select({ id: roles.id })
    .from(roles)
    .where(and(eq(roles.tenantId, tenantId), eq(roles.name, DEFAULT_ROLE[role])));
  if (!systemRole) throw new Error(`tenant ${tenantId} has no ${DEFAULT_ROLE[role]} role`);
  // A changed membership role replaces the previous default system role; agent_user and custom
  // roles are kept.
  await tx.delete(memberRoles).where(
    and(
      eq(memberRoles.tenantId, tenantId),
      eq(memberRoles.memberId, member.id),
      inArray(
        memberRoles.roleId,
        tx
          .select({ id: roles.id })
          .from(roles)
          .where(
            and(
              eq(roles.tenantId, tenantId),
              inArray(roles.name, Object.values(DEFAULT_ROLE)),
              ne(roles.id, systemRole.id),
            ),
          ),
      ),
    ),
  );
  await tx.insert(memberRoles).values({ tenantId, memberId: member.id, roleId: systemRole.id }).onConflictDoNothing();
}

async function ensureUser(tx: SystemTx, user: { email: string; name?: string }): Promise<string> {
  if (typeof user.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(user.email)) {
    throw new TenantDbError('INVALID_INPUT', `Not an email address: ${JSON.stringify(user.email)}.`);
  }
  const [existing] = await tx
    .select({ id: users.id })
    .from(users)
    .where(sql`lower(${users.email}) = lower(${user.email})`);
  if (existing) return existing.id;
  const [created] = await tx
    .insert(users)
    .values({ email: user.email, name: user.name ?? null })
    .returning({ id: users.id });
  if (!created) throw new Error('insert into users returned no row');
  return created.id;
}
