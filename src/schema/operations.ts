import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, numeric, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantReference, tenantTable } from '../contract/tenant-table.ts';
import { connectorStatus, persona, taskPriority, taskStatus } from './enums.ts';
import { users } from './identity.ts';

/**
 * A connector (integration) to a third-party source: Google Analytics, Stripe, Slack, a POS….
 * Credentials are stored encrypted with the tenant's data key (never in plain text).
 */
export const connectors = tenantTable(
  'connectors',
  {
    name: text('name').notNull(),
    provider: text('provider').notNull(),
    description: text('description'),
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    credentialsEncrypted: text('credentials_encrypted'),
    status: connectorStatus('status').notNull().default('PENDING'),
    enabled: boolean('enabled').notNull().default(false),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true, mode: 'date' }),
    syncStatus: text('sync_status'),
    syncError: text('sync_error'),
  },
  {
    audit: { redact: ['credentials_encrypted'] },
    extra: (t) => [
      index('connectors_tenant_status_idx').on(t.tenantId, t.status),
      index('connectors_tenant_provider_idx').on(t.tenantId, t.provider),
    ],
  },
);

/** Agent tasks: a queue per tenant, optionally tied to a dashboard module and a connector. */
export const tasks = tenantTable(
  'tasks',
  {
    type: text('type').notNull(),
    status: taskStatus('status').notNull().default('pending'),
    priority: taskPriority('priority').notNull().default('normal'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    runAt: timestamp('run_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    error: text('error'),
    moduleSlug: text('module_slug'),
    connectorId: uuid('connector_id'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    /** The worker holding the task while it runs (null unless running). */
    lockedBy: text('locked_by'),
    /** The end of the running task's lease: past it, another worker may claim the task again. */
    lockedUntil: timestamp('locked_until', { withTimezone: true, mode: 'date' }),
    /** Makes enqueueing idempotent per tenant: a second task with the same key is the first one. */
    dedupeKey: text('dedupe_key'),
  },
  {
    extra: (t) => [
      tenantReference(t, t.connectorId, connectors, 'set null'),
      // The claim's per-tenant probe: a tenant's next pending task, in claim order.
      index('tasks_tenant_ready_idx')
        .on(t.tenantId, t.priority.desc(), t.runAt, t.id)
        .where(sql`status = 'pending'`),
      // Running tasks: a tenant's count (its concurrency limit), and expired leases across tenants.
      index('tasks_tenant_running_idx')
        .on(t.tenantId, t.lockedUntil)
        .where(sql`status = 'running'`),
      // The others hold only the rows that have the column: queueing a plain task writes three
      // indexes (the key, ready, and none of these).
      uniqueIndex('tasks_tenant_dedupe_key_idx')
        .on(t.tenantId, t.dedupeKey)
        .where(sql`dedupe_key IS NOT NULL`),
      index('tasks_tenant_module_idx')
        .on(t.tenantId, t.moduleSlug)
        .where(sql`module_slug IS NOT NULL`),
      index('tasks_tenant_connector_idx')
        .on(t.tenantId, t.connectorId)
        .where(sql`connector_id IS NOT NULL`),
    ],
  },
);

/** What an agent produced for a task. */
export const agentResults = tenantTable(
  'agent_results',
  {
    taskId: uuid('task_id').notNull(),
    agent: persona('agent').notNull().default('custom'),
    status: text('status').$type<'success' | 'partial' | 'failure'>().notNull().default('success'),
    summary: text('summary'),
    output: jsonb('output').$type<Record<string, unknown>>().notNull().default({}),
    tokensUsed: integer('tokens_used'),
    costUsd: numeric('cost_usd', { precision: 14, scale: 6 }),
  },
  {
    extra: (t) => [
      tenantReference(t, t.taskId, tasks),
      index('agent_results_tenant_task_idx').on(t.tenantId, t.taskId),
    ],
  },
);
