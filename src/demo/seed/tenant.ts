/** The sample tenant itself (system work): provisioned once, its people, details and sign-in records. */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { tenants } from '../../contract/tenants.ts';
import { accounts, authSessions, users, verificationTokens } from '../../schema/identity.ts';
import type { SystemScope } from '../../tenancy/index.ts';
import { setBudget } from '../../billing/index.ts';
import { addMember, provisionTenant, setTenantTimeZone } from '../../tenants/index.ts';
import { daysFromNow, sha256 } from '../data/helpers.ts';
import type { SampleTenantSpec } from '../data/spec.ts';

/** A seeded sample tenant: its id and its people's user ids. */
export interface SampleTenant {
  id: string;
  slug: string;
  name: string;
  people: { name: string; email: string; role: string; userId: string }[];
}

/**
 * Finds the sample tenant by slug or provisions it, and adds its people (each with the system
 * role of their membership, which `addMember` assigns). `created` tells whether it is new.
 */
export async function seedTenant(
  system: SystemScope,
  spec: SampleTenantSpec,
): Promise<{ tenant: SampleTenant; created: boolean }> {
  const [existing] = await system.transaction((tx) =>
    tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, spec.slug)),
  );
  const tenantId =
    existing?.id ?? (await provisionTenant(system, { name: spec.name, slug: spec.slug, plan: spec.plan })).tenant.id;
  const people = [];
  for (const person of spec.people) {
    const userId = await addMember(system, tenantId, { email: person.email, name: person.name }, person.role);
    people.push({ ...person, userId });
  }
  return { tenant: { id: tenantId, slug: spec.slug, name: spec.name, people }, created: existing === undefined };
}

/**
 * A new sample tenant's details — domain, billing contact, time zone, budgets, features — and, for its
 * admin, the Auth.js records of a Google sign-in, a session and a pending invitation. No module
 * owns these yet, so they are written here, in the system context.
 */
export async function seedTenantDetails(system: SystemScope, spec: SampleTenantSpec, tenant: SampleTenant) {
  await system.transaction(async (tx, scope) => {
    await tx
      .update(tenants)
      .set({
        domain: spec.domain,
        billingEmail: `billing@${spec.domain}`,
        features: ['ai-csuite', 'knowledge-base', 'meetings', ...(spec.plan === 'free' ? [] : ['connectors-premium'])],
        settings: { locale: 'en-US', weekStartsOn: 'monday' },
      })
      .where(eq(tenants.id, tenant.id));
    // Time zone and budgets through their modules, in the same transaction.
    await setTenantTimeZone(scope, tenant.id, spec.timeZone);
    await setBudget(scope, tenant.id, { monthly: spec.monthlyBudgetUsd.toFixed(2), daily: spec.dailyBudgetUsd });
    const admin = tenant.people.find((p) => p.role === 'admin' || p.role === 'owner');
    if (!admin) return;
    await tx
      .insert(accounts)
      .values({
        userId: admin.userId,
        type: 'oidc',
        provider: 'google',
        providerAccountId: BigInt(`0x${sha256(admin.email).slice(0, 15)}`).toString(),
        token_type: 'bearer',
        scope: 'openid email profile',
      })
      .onConflictDoNothing();
    await tx.update(users).set({ emailVerified: new Date() }).where(eq(users.id, admin.userId));
    await tx
      .insert(authSessions)
      .values({ sessionToken: randomBytes(32).toString('hex'), userId: admin.userId, expires: daysFromNow(30) })
      .onConflictDoNothing();
    await tx
      .insert(verificationTokens)
      .values({ identifier: `new.hire@${spec.domain}`, token: sha256(randomBytes(32)), expires: daysFromNow(1) })
      .onConflictDoNothing();
  });
}
