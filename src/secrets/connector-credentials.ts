import { and, eq, isNull } from 'drizzle-orm';
import { tenants } from '../contract/tenants.ts';

import { TenantDbError } from '../errors.ts';
import { connectors } from '../schema/operations.ts';
import {
  isUuid,
  requireSystemScope,
  requireTenantScope,
  validateContext,
  type SystemScope,
  type TenantScope,
  type OrmTransaction,
} from '../tenancy/index.ts';
import { createDataKey, decryptSecret, encryptSecret, unwrapDataKey, type MasterKey } from './envelope.ts';

/** Gives the tenant a wrapped data key if it has none yet (system work). Idempotent. */
export async function ensureTenantDataKey(scope: SystemScope, tenantId: string, master: MasterKey): Promise<void> {
  const system = requireSystemScope(scope, 'ensureTenantDataKey');
  validateContext({ tenantId });
  await system.transaction(async (tx) => {
    const { wrapped } = createDataKey(master, tenantId);
    await tx
      .update(tenants)
      .set({ wrappedDataKey: wrapped })
      .where(and(eq(tenants.id, tenantId), isNull(tenants.wrappedDataKey)));
  });
}

const binding = (tenantId: string, connectorId: string) => `connectors:${tenantId}:${connectorId}`;

function checkConnectorId(connectorId: unknown): string {
  if (!isUuid(connectorId)) {
    throw new TenantDbError('INVALID_INPUT', `connectorId must be a UUID (got ${typeof connectorId}).`);
  }
  return connectorId;
}

async function tenantDataKey(tx: OrmTransaction, tenantId: string, master: MasterKey): Promise<Buffer> {
  const [row] = await tx.select({ wrapped: tenants.wrappedDataKey }).from(tenants).where(eq(tenants.id, tenantId));
  if (!row?.wrapped) {
    throw new TenantDbError('INVALID_INPUT', 'This tenant has no data key yet: call ensureTenantDataKey() first.');
  }
  return unwrapDataKey(master, tenantId, row.wrapped);
}

/**
 * Stores a connector's credentials encrypted with the tenant's data key. Needs
 * `connectors:manage` (the database enforces it).
 *
 * @example
 * await setConnectorCredentials(tenant, connectorId, { apiKey: 'sk_live_…' }, masterKeyFromEnv());
 */
export async function setConnectorCredentials(
  scope: TenantScope,
  connectorId: string,
  credentials: Record<string, unknown>,
  master: MasterKey,
): Promise<void> {
  const tenant = requireTenantScope(scope, 'setConnectorCredentials');
  checkConnectorId(connectorId);
  const { tenantId } = tenant.context;
  await tenant.transaction(async (tx) => {
    const key = await tenantDataKey(tx, tenantId, master);
    const ciphertext = encryptSecret(key, JSON.stringify(credentials), binding(tenantId, connectorId));
    const updated = await tx
      .update(connectors)
      .set({ credentialsEncrypted: ciphertext })
      .where(and(eq(connectors.tenantId, tenantId), eq(connectors.id, connectorId)))
      .returning({ id: connectors.id });
    if (updated.length === 0) {
      throw new TenantDbError('INVALID_INPUT', `Connector ${connectorId} does not exist in this tenant.`);
    }
  });
}

/** Reads and decrypts a connector's credentials (undefined when none are stored). */
export async function getConnectorCredentials(
  scope: TenantScope,
  connectorId: string,
  master: MasterKey,
): Promise<Record<string, unknown> | undefined> {
  const tenant = requireTenantScope(scope, 'getConnectorCredentials');
  checkConnectorId(connectorId);
  const { tenantId } = tenant.context;
  return tenant.transaction(async (tx) => {
    const [row] = await tx
      .select({ credentials: connectors.credentialsEncrypted })
      .from(connectors)
      .where(and(eq(connectors.tenantId, tenantId), eq(connectors.id, connectorId)));
    if (!row) throw new TenantDbError('INVALID_INPUT', `Connector ${connectorId} does not exist in this tenant.`);
    if (!row.credentials) return undefined;
    const key = await tenantDataKey(tx, tenantId, master);
    return JSON.parse(decryptSecret(key, row.credentials, binding(tenantId, connectorId))) as Record<string, unknown>;
  });
}
