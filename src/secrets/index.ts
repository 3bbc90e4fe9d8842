/** Secrets: connector credentials under envelope encryption (a per-tenant data key wrapped by a master key). */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import { ensureTenantDataKey, getConnectorCredentials, setConnectorCredentials } from './connector-credentials.ts';
import type { MasterKey } from './envelope.ts';

export { ensureTenantDataKey, getConnectorCredentials, setConnectorCredentials } from './connector-credentials.ts';
export { masterKey, masterKeyFromEnv, type MasterKey } from './envelope.ts';

/** The tenant client's `secrets` namespace. */
export function secretsNamespace(scope: TenantScope) {
  return {
    setConnectorCredentials: (connectorId: string, credentials: Record<string, unknown>, master: MasterKey) =>
      setConnectorCredentials(scope, connectorId, credentials, master),
    getConnectorCredentials: (connectorId: string, master: MasterKey) =>
      getConnectorCredentials(scope, connectorId, master),
  };
}

/** The system client's `secrets` namespace. */
export function systemSecretsNamespace(scope: SystemScope) {
  return {
    ensureTenantDataKey: (tenantId: string, master: MasterKey) => ensureTenantDataKey(scope, tenantId, master),
  };
}
