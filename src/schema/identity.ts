import { sql } from 'drizzle-orm';
import { pgPolicy, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { globalTable } from '../tenancy/global-table.ts';
import { appRole } from '../tenancy/roles.ts';

/**
 * One person, who may belong to many tenants (through `tenant_members`). Email is unique
 * case-insensitively across the platform, but a tenant context only sees its own members and the
 * current user, so a tenant cannot probe which emails exist elsewhere.
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
    reason: 'identity is global (one user, many tenants); tenant contexts see members of their tenant only',
    extra: (t) => [
      uniqueIndex('users_email_key').on(sql`lower(${t.email})`),
      // tenant_members is itself tenant-isolated, so this sees members of the open tenant only.
      pgPolicy('users_select_members', {
        for: 'select',
        to: appRole,
        using: sql`id = (select tenantdb.current_user_id()) or exists (select 1 from tenant_members m where m.user_id = users.id)`,
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
