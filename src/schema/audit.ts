import { index, jsonb, text, uuid } from 'drizzle-orm/pg-core';
import { tenantTable } from '../contract/tenant-table.ts';

/**
 * Append-only audit trail, written by triggers (`tenantdb.audit_row()`), so raw SQL is audited
 * too. Secrets are redacted. The application role may read and insert, never update or delete.
 */
export const auditLogs = tenantTable(
  'audit_logs',
  {
    // No foreign key: the trail must outlive the user it names.
    actorUserId: uuid('actor_user_id'),
    action: text('action').notNull(),
    resource: text('resource').notNull(),
    resourceId: text('resource_id'),
    before: jsonb('before').$type<Record<string, unknown>>(),
    after: jsonb('after').$type<Record<string, unknown>>(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    systemReason: text('system_reason'),
  },
  {
    commands: ['select', 'insert'],
    extra: (t) => [
      index('audit_logs_tenant_created_idx').on(t.tenantId, t.createdAt),
      index('audit_logs_tenant_resource_idx').on(t.tenantId, t.resource, t.resourceId),
      index('audit_logs_tenant_actor_idx').on(t.tenantId, t.actorUserId),
    ],
  },
);
