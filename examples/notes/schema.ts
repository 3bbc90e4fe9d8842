// Your own tables, declared next to tenantdb's: `tenantTable()` gives `notes` everything the
// built-in tables have (tenant_id defaulting to the context, the (tenant_id, id) key, forced RLS,
// its policies, grants, the updated_at trigger and, here, the audit trail).
import { text } from 'drizzle-orm/pg-core';
import { tenantTable } from 'tenantdb';

export const notes = tenantTable(
  'notes',
  {
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
  },
  { audit: {} },
);
