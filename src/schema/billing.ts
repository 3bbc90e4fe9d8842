import { boolean, index, integer, jsonb, numeric, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantReference, tenantTable } from '../contract/tenant-table.ts';
import { conversations } from './conversations.ts';
import { alertSeverity, budgetPeriod, costService } from './enums.ts';

/** One billable use of an AI service. Money is numeric, never float. */
export const costEvents = tenantTable(
  'cost_events',
  {
    conversationId: uuid('conversation_id'),
    service: costService('service').notNull(),
    provider: text('provider'),
    tokensUsed: integer('tokens_used'),
    costUsd: numeric('cost_usd', { precision: 12, scale: 6 }).notNull(),
    metadata: jsonb('metadata')
      .$type<{ model?: string; operation?: string; duration?: number }>()
      .notNull()
      .default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  {
    extra: (t) => [
      tenantReference(t, t.conversationId, conversations, 'set null'),
      index('cost_events_tenant_occurred_idx').on(t.tenantId, t.occurredAt),
      index('cost_events_tenant_service_occurred_idx').on(t.tenantId, t.service, t.occurredAt),
      index('cost_events_tenant_conversation_idx').on(t.tenantId, t.conversationId),
    ],
  },
);

/** Cost rolled up per period, with a per-service breakdown. */
export const costSummaries = tenantTable(
  'cost_summaries',
  {
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true, mode: 'date' }).notNull(),
    totalCostUsd: numeric('total_cost_usd', { precision: 16, scale: 6 }).notNull(),
    breakdown: jsonb('breakdown')
      .$type<Partial<Record<(typeof costService.enumValues)[number], string>>>()
      .notNull()
      .default({}),
    eventCount: integer('event_count').notNull().default(0),
  },
  { extra: (t) => [index('cost_summaries_tenant_period_idx').on(t.tenantId, t.periodStart, t.periodEnd)] },
);

/** A spend threshold that was crossed. */
export const budgetAlerts = tenantTable(
  'budget_alerts',
  {
    threshold: numeric('threshold', { precision: 12, scale: 2 }).notNull(),
    currentSpend: numeric('current_spend', { precision: 16, scale: 6 }).notNull(),
    period: budgetPeriod('period').notNull().default('monthly'),
    severity: alertSeverity('severity').notNull().default('warning'),
    notificationsSent: integer('notifications_sent').notNull().default(0),
    triggeredAt: timestamp('triggered_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    resolved: boolean('resolved').notNull().default(false),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    metadata: jsonb('metadata')
      .$type<{ recipients?: string[]; channels?: string[]; customMessage?: string }>()
      .notNull()
      .default({}),
  },
  {
    audit: {},
    extra: (t) => [
      index('budget_alerts_tenant_resolved_idx').on(t.tenantId, t.resolved),
      index('budget_alerts_tenant_triggered_idx').on(t.tenantId, t.triggeredAt),
    ],
  },
);
