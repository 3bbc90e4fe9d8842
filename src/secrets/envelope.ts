import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, TenantDbError } from '../errors.ts';

/**
 * Envelope encryption. Each tenant has its own random data key; the database stores it only
 * wrapped (AES-256-GCM) with a master key that lives outside the database (an environment
 * variable, a KMS). Secrets such as connector credentials are encrypted with the tenant's data
 * key, bound (as GCM additional data) to the tenant and row they belong to, so a ciphertext
 * copied to another tenant or row does not decrypt.
 */

export interface MasterKey {
  /** Stored with every wrapped key, so keys can be rotated. */
  readonly id: string;
  readonly key: Buffer;
}

const VERSION = 'v1';

/**
 * Reads the master key from `TENANTDB_MASTER_KEY` (base64 of 32 bytes, optionally `id:base64`).
 * Generate one with `openssl rand -base64 32`.
 */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv = process.env): MasterKey {
  const raw = env.TENANTDB_MASTER_KEY;
  if (!raw) {
    throw new ConfigError(
      'CONFIG_INVALID',
      'TENANTDB_MASTER_KEY is not set: set it to 32 random bytes in base64 (openssl rand -base64 32).',
    );
  }
  const [id, encoded] = raw.includes(':') ? (raw.split(':', 2) as [string, string]) : ['default', raw];
  return masterKey(encoded, id);
}

export function masterKey(base64: string, id = 'default'): MasterKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('CONFIG_INVALID', `A master key must be 32 bytes (base64); got ${key.length} bytes.`);
  }
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
    throw new ConfigError('CONFIG_INVALID', 'A master key id is 1-32 of [A-Za-z0-9_-].');
  return { id, key };
}

function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

function open(key: Buffer, sealed: string, aad: string): Buffer {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < 28) throw new TenantDbError('INVALID_INPUT', 'Ciphertext is truncated.');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch (cause) {
    throw new TenantDbError(
      'INVALID_INPUT',
      'Decryption failed: wrong key, or the ciphertext was altered or belongs to another tenant or row.',
      { cause },
    );
  }
}

/** A new random data key for a tenant, and its wrapped form for `tenants.wrapped_data_key`. */
export function createDataKey(master: MasterKey, tenantId: string): { dataKey: Buffer; wrapped: string } {
  const dataKey = randomBytes(32);
  return { dataKey, wrapped: wrapDataKey(master, tenantId, dataKey) };
}

export function wrapDataKey(master: MasterKey, tenantId: string, dataKey: Buffer): string {
  return `${VERSION}:${master.id}:${seal(master.key, dataKey, `tenant:${tenantId}`)}`;
}

export function unwrapDataKey(master: MasterKey, tenantId: string, wrapped: string): Buffer {
  const [version, keyId, sealed] = wrapped.split(':');
  if (version !== VERSION || sealed === undefined)
    throw new TenantDbError('INVALID_INPUT', 'Unknown wrapped key format.');
  if (keyId !== master.id) {
    throw new ConfigError('CONFIG_INVALID', `This data key is wrapped with master key "${keyId}", not "${master.id}".`);
  }
  return open(master.key, sealed, `tenant:${tenantId}`);
}

/** Encrypts a secret for one row of one tenant: `enc:v1:<iv|tag|ciphertext>`. */
export function encryptSecret(dataKey: Buffer, plaintext: string, binding: string): string {
  return `enc:${VERSION}:${seal(dataKey, Buffer.from(plaintext, 'utf8'), binding)}`;
}

export function decryptSecret(dataKey: Buffer, ciphertext: string, binding: string): string {
  const prefix = `enc:${VERSION}:`;
  if (!ciphertext.startsWith(prefix)) throw new TenantDbError('INVALID_INPUT', 'Not a tenantdb ciphertext.');
  return open(dataKey, ciphertext.slice(prefix.length), binding).toString('utf8');
}
