import { index, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantTable } from '../contract/tenant-table.ts';
import { users } from './identity.ts';

/**
 * API keys: only a SHA-256 hash of the secret is stored, with a short visible prefix to tell keys
 * apart. The secret is shown once, when issued (`issueApiKey`), and can be revoked.
 */
export const apiKeys = tenantTable(
  'api_keys',
  {
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes').array().notNull().default([]),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  {
    audit: { redact: ['key_hash'] },
    extra: (t) => [
      // Lookup by hash without knowing the tenant (the secret is 256 random bits); uniqueness
      // is per tenant, as every unique key of a tenant table includes tenant_id (Citus).
      index('api_keys_key_hash_idx').on(t.keyHash),
      uniqueIndex('api_keys_tenant_key_hash_key').on(t.tenantId, t.keyHash),
      index('api_keys_tenant_prefix_idx').on(t.tenantId, t.prefix),
    ],
  },
);
