/** API keys with a history (last use, expiry, revocation), which issueApiKey cannot backdate. */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../data/helpers.ts';
import { sampleApiKeys } from '../data/workspace.ts';
import type { SeedScope } from './scope.ts';

/**
 * Keys in the format of issueApiKey (tdb_<8 hex>_<secret>): only the SHA-256 of the secret is
 * stored and the secret itself is dropped here, so no sample key can ever be used.
 */
export async function seedApiKeys(scope: SeedScope, adminId: string): Promise<number> {
  const rows = await scope.tables.apiKeys.insert(
    sampleApiKeys().map((key) => {
      const prefix = `tdb_${randomBytes(4).toString('hex')}`;
      const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
      return { ...key, prefix, keyHash: sha256(secret), createdBy: adminId };
    }),
  );
  return rows.length;
}
