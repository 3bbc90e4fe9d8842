/** Small helpers shared by the test files. */
import { randomUUID } from 'node:crypto';
import { provisionTenant, type Database, type TenantContext } from '../../src/index.ts';

/** The typed error code a promise rejects with ('untyped' for a plain error), or undefined. */
export function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: { code?: string }) => e.code ?? 'untyped',
  );
}

/** A freshly provisioned tenant and its owner, as a context. */
export async function ownerContext(
  db: Database,
  label: string,
  status: 'ACTIVE' | 'TRIAL' = 'ACTIVE',
): Promise<TenantContext & { userId: string }> {
  const stamp = randomUUID().slice(0, 8);
  const { tenant, ownerId } = await provisionTenant(db, {
    name: label,
    slug: `t-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${stamp}`,
    status,
    owner: { email: `${label.toLowerCase().replace(/[^a-z0-9]+/g, '.')}-${stamp}@example.test` },
  });
  return { tenantId: tenant.id, userId: ownerId as string };
}
