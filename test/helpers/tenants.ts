/** Small helpers shared by the test files. */
import { randomUUID } from 'node:crypto';
import {
  createSystemClient,
  createTenantClient,
  provisionTenant,
  type Database,
  type Schema,
  type SystemClient,
  type TenantClient,
  type TenantContext,
} from '../../src/index.ts';

/** A system client for test setup (each call its own logged system transaction). */
export function systemOf<TSchema extends Schema>(db: Database<TSchema>, reason = 'test setup'): SystemClient<TSchema> {
  return createSystemClient(db, { reason });
}

/** A tenant client: the tenant scope most tests pass to module functions. */
export function tenantOf<TSchema extends Schema>(db: Database<TSchema>, context: TenantContext): TenantClient<TSchema> {
  return createTenantClient(db, context);
}

/** The typed error code a promise rejects with ('untyped' for a plain error), or undefined. */
export function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: { code?: string }) => e.code ?? 'untyped',
  );
}

/** A freshly provisioned tenant and its owner, as a context. */
export async function ownerContext<TSchema extends Schema>(
  db: Database<TSchema>,
  label: string,
  status: 'ACTIVE' | 'TRIAL' = 'ACTIVE',
): Promise<TenantContext & { userId: string }> {
  const stamp = randomUUID().slice(0, 8);
  const { tenant, ownerId } = await provisionTenant(systemOf(db), {
    name: label,
    slug: `t-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${stamp}`,
    status,
    owner: { email: `${label.toLowerCase().replace(/[^a-z0-9]+/g, '.')}-${stamp}@example.test` },
  });
  return { tenantId: tenant.id, userId: ownerId as string };
}
