import { sql } from 'drizzle-orm';
import { index, integer, pgPolicy, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { globalTable } from '../contract/global-table.ts';
import { appRole } from '../contract/roles.ts';

/**
 * One person, who may belong to many tenants (through `tenant_members`). Email is unique
 * case-insensitively across the platform, but a tenant context sees only the current user's own
 * row, so a tenant cannot probe which emails exist elsewhere. The profiles of the open tenant's
 * members are read through `tenantdb.member_directory()` (`listMembers` in `tenantdb/rbac`): a
 * policy never reads a table (see DESIGN: Citus cannot run one on a shard).
 */
export const users = globalTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    name: text('name'),
    image: text('image'),
    emailVerified: timestamp('email_verified', { withTimezone: true, mode: 'date' }),
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  {
    reason: 'identity is global (one user, many tenants); a tenant context sees the current user only',
    extra: (t) => [
      uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
      pgPolicy('users_select_self', {
        for: 'select',
        to: appRole,
        using: sql`id = (select tenantdb.current_user_id())`,
      }),
      pgPolicy('users_update_self', {
        for: 'update',
        to: appRole,
        using: sql`id = (select tenantdb.current_user_id())`,
        withCheck: sql`id = (select tenantdb.current_user_id())`,
      }),
    ],
  },
);

// Auth.js tables (@auth/drizzle-adapter's column names). The adapter runs on the owner connection;
// the application role has no grants on them, so a tenant context can never read a token.

export const accounts = globalTable(
  'accounts',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').$type<'oauth' | 'oidc' | 'email' | 'webauthn'>().notNull(),
    provider: text('provider').notNull(),
    providerAccountId: text('provider_account_id').notNull(),
    refresh_token: text('refresh_token'),
    access_token: text('access_token'),
    expires_at: integer('expires_at'),
    token_type: text('token_type'),
    scope: text('scope'),
    id_token: text('id_token'),
    session_state: text('session_state'),
  },
  {
    reason: 'Auth.js OAuth accounts: identity, not tenant data; no grants to the application role',
    extra: (t) => [
      primaryKey({ name: 'accounts_pkey', columns: [t.provider, t.providerAccountId] }),
      index('accounts_user_idx').on(t.userId),
    ],
  },
);

export const authSessions = globalTable(
  'auth_sessions',
  {
    sessionToken: text('session_token').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expires: timestamp('expires', { withTimezone: true, mode: 'date' }).notNull(),
  },
  {
    reason: 'Auth.js sessions: identity, not tenant data; no grants to the application role',
    extra: (t) => [index('auth_sessions_user_idx').on(t.userId)],
  },
);

export const verificationTokens = globalTable(
  'verification_tokens',
  {
    identifier: text('identifier').notNull(),
    token: text('token').notNull(),
    expires: timestamp('expires', { withTimezone: true, mode: 'date' }).notNull(),
  },
  {
    reason: 'Auth.js email verification tokens: identity; no grants to the application role',
    extra: (t) => [primaryKey({ name: 'verification_tokens_pkey', columns: [t.identifier, t.token] })],
  },
);
