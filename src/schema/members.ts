import { index, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantTable } from '../contract/tenant-table.ts';
import { memberRole, memberStatus } from './enums.ts';
import { users } from './identity.ts';

/** A user's membership of a tenant: the link that lets a user open that tenant's context. */
export const tenantMembers = tenantTable(
  'tenant_members',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: memberRole('role').notNull().default('member'),
    status: memberStatus('status').notNull().default('ACTIVE'),
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
  },
  {
    audit: {},
    extra: (t) => [
      uniqueIndex('tenant_members_tenant_user_key').on(t.tenantId, t.userId),
      index('tenant_members_user_idx').on(t.userId),
    ],
  },
);
