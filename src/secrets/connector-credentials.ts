import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { TenantDbError } from '../errors.ts';
import { connectors } from '../schema/operations.ts';
import { tenants } from '../schema/tenants.ts';
import { validateContext, withSystemContext, withTenantContext, type TenantContext } from '../tenancy/context.ts';
import { createDataKey, decryptSecret, encryptSecret, unwrapDataKey, type MasterKey } from './envelope.ts';

/** Gives the tenant a wrapped data key if it has none yet (system context). Idempotent. */
export async function ensureTenantDataKey(db: Database, tenantId: string, master: MasterKey): Promise<void> {
  validateContext({ tenantId });
  await withSystemContext(
    db,
    async (tx) => {
      const { wrapped } = createDataKey(master, tenantId);
      await tx
        .update(tenants)
        .set({ wrappedDataKey: wrapped })
        .where(and(eq(tenants.id, tenantId), isNull(tenants.wrappedDataKey)));
    },
    { reason: 'create tenant data key' },
  );
}

const binding = (tenantId: string, connectorId: string) => `connectors:${tenantId}:${connectorId}`;

async function tenantDataKey(
  tx: Parameters<Parameters<typeof withTenantContext>[2]>[0],
  tenantId: string,
  master: MasterKey,
): Promise<Buffer> {
  const [row] = await tx.select({ wrapped: tenants.wrappedDataKey }).from(tenants).where(eq(tenants.id, tenantId));
  if (!row?.wrapped) {
    throw new TenantDbError('INVALID_INPUT', 'This tenant has no data key yet: call ensureTenantDataKey() first.');
  }
  return unwrapDataKey(master, tenantId, row.wrapped);
}

/**
 * Stores a connector's credentials encrypted with the tenant's data key. Needs
 * `connectors:manage` (the database enforces it).
 */
export async function setConnectorCredentials(
  db: Database,
  context: TenantContext,
  connectorId: string,
  credentials: Record<string, unknown>,
  master: MasterKey,
): Promise<void> {
  await withTenantContext(db, context, async (tx, scoped) => {
    const key = await tenantDataKey(tx, scoped.context.tenantId, master);
    const ciphertext = encryptSecret(key, JSON.stringify(credentials), binding(scoped.context.tenantId, connectorId));
    const updated = await scoped.connectors.update(
      { credentialsEncrypted: ciphertext },
      eq(connectors.id, connectorId),
    );
    if (updated.length === 0)
      throw new TenantDbError('INVALID_INPUT', `Connector ${connectorId} does not exist in this tenant.`);
  });
}

/** Reads and decrypts a connector's credentials (undefined when none are stored). */
export async function getConnectorCredentials(
  db: Database,
  context: TenantContext,
  connectorId: string,
  master: MasterKey,
): Promise<Record<string, unknown> | undefined> {
  return withTenantContext(db, context, async (tx, scoped) => {
    const row = await scoped.connectors.findFirst({ where: eq(connectors.id, connectorId) });
    if (!row) throw new TenantDbError('INVALID_INPUT', `Connector ${connectorId} does not exist in this tenant.`);
    if (!row.credentialsEncrypted) return undefined;
    const key = await tenantDataKey(tx, scoped.context.tenantId, master);
    return JSON.parse(
      decryptSecret(key, row.credentialsEncrypted, binding(scoped.context.tenantId, connectorId)),
    ) as Record<string, unknown>;
  });
}
