import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { TenantDbError } from '../errors.ts';
import { apiKeys } from '../schema/api-keys.ts';
import { withSystemContext, withTenantContext, type TenantContext } from '../tenancy/context.ts';

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
 * const { secret } = await issueApiKey(db, { tenantId, userId }, { name: 'CI', scopes: ['analytics:read'] });
 */
export async function issueApiKey(
  db: Database,
  context: TenantContext,
  input: { name: string; scopes?: string[]; expiresAt?: Date },
): Promise<IssuedApiKey> {
  if (typeof input.name !== 'string' || input.name.trim() === '') {
    throw new TenantDbError('INVALID_INPUT', 'issueApiKey: name is required.');
  }
  const prefix = `tdb_${randomBytes(4).toString('hex')}`;
  const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
  const row = await withTenantContext(db, context, (_tx, scoped) =>
    scoped.apiKeys.insert({
      name: input.name,
      prefix,
      keyHash: hashKey(secret),
      scopes: input.scopes ?? [],
      createdBy: context.userId ?? null,
      expiresAt: input.expiresAt ?? null,
    }),
  );
  return { id: row.id, prefix, secret };
}

/**
 * Resolves a presented key to its tenant, or undefined when it is unknown, revoked or expired.
 * Runs in the system context (the tenant is not known yet); records the time of use.
 */
export async function verifyApiKey(db: Database, secret: string): Promise<VerifiedApiKey | undefined> {
  if (typeof secret !== 'string' || !KEY_FORMAT.test(secret)) return undefined;
  const hash = hashKey(secret);
  return withSystemContext(
    db,
    async (tx) => {
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
    },
    { reason: 'verify an API key' },
  );
}

/** Revokes a key of the context's tenant. Needs `api_keys:manage`. Returns whether it existed. */
export async function revokeApiKey(db: Database, context: TenantContext, keyId: string): Promise<boolean> {
  const rows = await withTenantContext(db, context, (_tx, scoped) =>
    scoped.apiKeys.update({ revokedAt: new Date() }, and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt))),
  );
  return rows.length > 0;
}
