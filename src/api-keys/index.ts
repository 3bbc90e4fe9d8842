/** API keys: issued per tenant (the secret shown once, its hash stored), resolved in the system context. */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import { issueApiKey, revokeApiKey, verifyApiKey } from './api-keys.ts';

export { issueApiKey, revokeApiKey, verifyApiKey, type IssuedApiKey, type VerifiedApiKey } from './api-keys.ts';

/** The tenant client's `apiKeys` namespace. */
export function apiKeysNamespace(scope: TenantScope) {
  return {
    issue: (input: Parameters<typeof issueApiKey>[1]) => issueApiKey(scope, input),
    revoke: (keyId: string) => revokeApiKey(scope, keyId),
  };
}

/** The system client's `apiKeys` namespace. */
export function systemApiKeysNamespace(scope: SystemScope) {
  return {
    verify: (secret: string) => verifyApiKey(scope, secret),
  };
}
