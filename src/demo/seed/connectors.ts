/** The tenant's connectors, in every state (active, pending, failing), with no secret in sample data. */
import { randomBytes } from 'node:crypto';
import { hoursAgo } from '../data/helpers.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import type { SeedScope } from './scope.ts';

/** Returns the connector id of each provider. */
export async function seedConnectors(scope: SeedScope, spec: SampleTenantSpec): Promise<Map<string, string>> {
  const rows = await scope.tables.connectors.insert(
    spec.connectors.map((c) => ({
      name: c.name,
      provider: c.provider,
      description: c.description,
      config: c.config,
      // An opaque placeholder in the format of encrypted credentials: no secret in sample data.
      credentialsEncrypted: c.status === 'PENDING' ? null : `enc:v1:${randomBytes(24).toString('base64')}`,
      status: c.status,
      enabled: c.status === 'ACTIVE',
      lastSyncAt: c.status === 'PENDING' ? null : hoursAgo(c.status === 'ERROR' ? 52 : 3),
      syncStatus: c.status === 'ACTIVE' ? 'ok' : c.status === 'ERROR' ? 'failed' : null,
      syncError: c.syncError ?? null,
    })),
  );
  return new Map(rows.map((c) => [c.provider, c.id]));
}
