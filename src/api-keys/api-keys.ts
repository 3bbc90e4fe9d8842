import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { apiKeys } from '../schema/api-keys.ts';
import {
  isUuid,
  requireSystemScope,
  requireTenantScope,
  type SystemScope,
  type TenantScope,
} from '../tenancy/index.ts';

export interface IssuedApiKey {
  id: string;
  /** Visible part, safe to show in lists (`tdb_1a2b3c4d`). */
  prefix: string;
  /** The whole key. Returned once, here; only its SHA-256 hash is stored. */
  secret: string;
}

export interface VerifiedApiKey {
  keyId: string;
  tenantId: string;
  scopes: string[];
}

const KEY_FORMAT = /^tdb_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;

function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Issues an API key for the context's tenant. Needs `api_keys:manage` (enforced by the database).
 *
 * @example
 * const { secret } = await issueApiKey(tenant, { name: 'CI', scopes: ['analytics:read'] });
 * // or, on a tenant client: await tenant.apiKeys.issue({ name: 'CI' })
 */
export async function issueApiKey(
  scope: TenantScope,
  input: { name: string; scopes?: string[]; expiresAt?: Date },
): Promise<IssuedApiKey> {
  const tenant = requireTenantScope(scope, 'issueApiKey');
  if (typeof input.name !== 'string' || input.name.trim() === '') {
    throw new TenantDbError('INVALID_INPUT', 'issueApiKey: name is required.');
  }
  const prefix = `tdb_${randomBytes(4).toString('hex')}`;
  const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
  const { tenantId, userId } = tenant.context;
  const [row] = await tenant.transaction((tx) =>
    tx
      .insert(apiKeys)
      .values({
        tenantId,
        name: input.name,
        prefix,
        keyHash: hashKey(secret),
        scopes: input.scopes ?? [],
        createdBy: userId ?? null,
        expiresAt: input.expiresAt ?? null,
      })
      .returning({ id: apiKeys.id }),
  );
  if (!row) throw new Error('insert into api_keys returned no row');
  return { id: row.id, prefix, secret };
}

/**
 * Resolves a presented key to its tenant, or undefined when it is unknown, revoked or expired.
 * Runs in the system context (the tenant is not known yet); records the time of use.
 */
export async function verifyApiKey(scope: SystemScope, secret: string): Promise<VerifiedApiKey | undefined> {
  const system = requireSystemScope(scope, 'verifyApiKey');
  if (typeof secret !== 'string' || !KEY_FORMAT.test(secret)) return undefined;
  const hash = hashKey(secret);
  return system.transaction(async (tx) => {
    const [key] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, hash), isNull(apiKeys.revokedAt)));
    if (!key || !timingSafeEqual(Buffer.from(key.keyHash), Buffer.from(hash))) return undefined;
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return undefined;
    await tx
      .update(apiKeys)
      .set({ lastUsedAt: new Date() })
      .where(and(eq(apiKeys.tenantId, key.tenantId), eq(apiKeys.id, key.id)));
    return { keyId: key.id, tenantId: key.tenantId, scopes: key.scopes };
  });
}

/**
 * Revokes a key of the context's tenant. Needs `api_keys:manage`. Returns whether a key was revoked
 * by this call: `false` for an unknown key and for one revoked already.
 */
export async function revokeApiKey(scope: TenantScope, keyId: string): Promise<boolean> {
  const tenant = requireTenantScope(scope, 'revokeApiKey');
  if (!isUuid(keyId))
    throw new TenantDbError('INVALID_INPUT', `revokeApiKey: keyId must be a UUID (got ${typeof keyId}).`);
  const { tenantId } = tenant.context;
  const rows = await tenant.transaction((tx) =>
    tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id }),
  );
  return rows.length > 0;
}
