import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
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

/**
 * Cost rolled up per tenant and period (a day, week or month of the tenant's time zone), with a
 * per-service breakdown: written by the rollup job, one row per `(tenant_id, period, period_start)`.
 */
export const costSummaries = tenantTable(
  'cost_summaries',
  {
    period: budgetPeriod('period').notNull().default('weekly'),
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true, mode: 'date' }).notNull(),
    totalCostUsd: numeric('total_cost_usd', { precision: 16, scale: 6 }).notNull(),
    breakdown: jsonb('breakdown')
      .$type<Partial<Record<(typeof costService.enumValues)[number], string>>>()
      .notNull()
      .default({}),
    eventCount: integer('event_count').notNull().default(0),
    /** The version of the period's running total this summary was written from. */
    sourceVersion: bigint('source_version', { mode: 'number' }).notNull().default(0),
  },
  { extra: (t) => [uniqueIndex('cost_summaries_tenant_period_key').on(t.tenantId, t.period, t.periodStart)] },
);

/**
 * The running cost of each tenant's day, week and month (in the tenant's time zone), kept by the
 * database from cost_events in the statement that records them (trigger track_cost_periods): the
 * spend the budgets compare and the hard limit enforces, and the rollup job's input (`dirty`
 * periods changed since their summary was written). The application role can only read it.
 */
export const costPeriodTotals = tenantTable(
  'cost_period_totals',
  {
    period: budgetPeriod('period').notNull(),
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true, mode: 'date' }).notNull(),
    /** The IANA time zone the period's bounds were computed in. */
    timeZone: text('time_zone').notNull(),
    spend: numeric('spend', { precision: 16, scale: 6 }).notNull().default('0'),
    breakdown: jsonb('breakdown')
      .$type<Partial<Record<(typeof costService.enumValues)[number], string>>>()
      .notNull()
      .default({}),
    eventCount: integer('event_count').notNull().default(0),
    version: bigint('version', { mode: 'number' }).notNull().default(1),
    dirty: boolean('dirty').notNull().default(true),
  },
  {
    commands: ['select'],
    extra: (t) => [
      uniqueIndex('cost_period_totals_tenant_period_key').on(t.tenantId, t.period, t.periodStart),
      index('cost_period_totals_dirty_idx')
        .on(t.period, t.tenantId, t.periodStart)
        .where(sql`dirty`),
    ],
  },
);

/**
 * A budget threshold crossed: one row per tenant, period and threshold percentage, raised,
 * escalated and resolved by the database as the period's spend moves (see docs/modules/billing.md).
 */
export const budgetAlerts = tenantTable(
  'budget_alerts',
  {
    /** The threshold as an amount: `percent` of the period's budget, in USD. */
    threshold: numeric('threshold', { precision: 12, scale: 2 }).notNull(),
    /** The threshold as a whole percentage of the period's budget (50, 80, 100, …). */
    thresholdPercent: smallint('threshold_percent').notNull().default(100),
    /** The start of the day, week or month the alert is about. */
    periodStart: timestamp('period_start', { withTimezone: true, mode: 'date' }).notNull(),
    currentSpend: numeric('current_spend', { precision: 16, scale: 6 }).notNull(),
    period: budgetPeriod('period').notNull().default('monthly'),
    severity: alertSeverity('severity').notNull().default('warning'),
    notificationsSent: integer('notifications_sent').notNull().default(0),
    /** A notification is due (raised, re-opened or escalated since the last delivery). */
    notificationPending: boolean('notification_pending').notNull().default(true),
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
      uniqueIndex('budget_alerts_tenant_period_threshold_key').on(
        t.tenantId,
        t.period,
        t.periodStart,
        t.thresholdPercent,
      ),
      index('budget_alerts_tenant_resolved_idx').on(t.tenantId, t.resolved),
      index('budget_alerts_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
      index('budget_alerts_pending_idx')
        .on(t.tenantId)
        .where(sql`notification_pending`),
    ],
  },
);
