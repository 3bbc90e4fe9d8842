import { bigint, date, index, integer, jsonb, numeric, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantReference, tenantTable } from '../contract/tenant-table.ts';
import { insightSeverity } from './enums.ts';
import { connectors } from './operations.ts';

/** High-volume, time-ordered product events. */
export const analyticsEvents = tenantTable(
  'analytics_events',
  {
    eventType: text('event_type').notNull(),
    eventName: text('event_name').notNull(),
    properties: jsonb('properties').$type<Record<string, unknown>>().notNull().default({}),
    source: text('source'),
    sourceId: text('source_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  {
    extra: (t) => [
      index('analytics_events_tenant_occurred_idx').on(t.tenantId, t.occurredAt),
      index('analytics_events_tenant_type_idx').on(t.tenantId, t.eventType),
      index('analytics_events_tenant_source_idx').on(t.tenantId, t.sourceId),
    ],
  },
);

/** One snapshot per tenant per day (upsert on (tenant_id, date)), optionally from a connector. */
export const analyticsSnapshots = tenantTable(
  'analytics_snapshots',
  {
    connectorId: uuid('connector_id'),
    date: date('date', { mode: 'string' }).notNull(),
    sessions: integer('sessions').notNull().default(0),
    users: integer('users').notNull().default(0),
    conversions: integer('conversions').notNull().default(0),
    revenue: numeric('revenue', { precision: 14, scale: 2 }).notNull().default('0'),
    sourceBreakdown: jsonb('source_breakdown').$type<Record<string, number>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  },
  {
    extra: (t) => [
      tenantReference(t, t.connectorId, connectors, 'set null'),
      uniqueIndex('analytics_snapshots_tenant_date_key').on(t.tenantId, t.date),
      index('analytics_snapshots_tenant_connector_idx').on(t.tenantId, t.connectorId),
    ],
  },
);

/** Insights produced by dashboard modules (growth-pulse, churn-watch, …). */
export const moduleInsights = tenantTable(
  'module_insights',
  {
    moduleSlug: text('module_slug').notNull(),
    severity: insightSeverity('severity').notNull().default('info'),
    summary: text('summary').notNull(),
    highlights: text('highlights').array().notNull().default([]),
    actionItems: jsonb('action_items')
      .$type<{ items: { title: string; priority?: string; dueDate?: string }[] }>()
      .notNull()
      .default({ items: [] }),
    score: numeric('score', { precision: 5, scale: 2 }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  },
  {
    extra: (t) => [
      index('module_insights_tenant_module_idx').on(t.tenantId, t.moduleSlug),
      // Keyset pagination on (created_at, id), newest first: all insights, and one module's.
      index('module_insights_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
      index('module_insights_tenant_module_created_idx').on(t.tenantId, t.moduleSlug, t.createdAt, t.id),
      index('module_insights_tenant_severity_idx').on(t.tenantId, t.severity),
    ],
  },
);

/** Daily usage per tenant: API calls, tokens, storage. */
export const usageSnapshots = tenantTable(
  'usage_snapshots',
  {
    date: date('date', { mode: 'string' }).notNull(),
    apiCalls: integer('api_calls').notNull().default(0),
    /** Messages written that day. */
    messages: integer('messages').notNull().default(0),
    /** Distinct users active that day. */
    activeUsers: integer('active_users').notNull().default(0),
    tokensUsed: bigint('tokens_used', { mode: 'number' }).notNull().default(0),
    storageBytes: bigint('storage_bytes', { mode: 'number' }).notNull().default(0),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
  },
  { extra: (t) => [uniqueIndex('usage_snapshots_tenant_date_key').on(t.tenantId, t.date)] },
);

/** The tenant's business: what the AI personas know about the company. One per tenant. */
export const businessProfiles = tenantTable(
  'business_profiles',
  {
    companyName: text('company_name').notNull(),
    industry: text('industry'),
    size: text('size'),
    website: text('website'),
    description: text('description'),
    goals: jsonb('goals').$type<string[]>().notNull().default([]),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  },
  {
    audit: {},
    extra: (t) => [uniqueIndex('business_profiles_tenant_key').on(t.tenantId)],
  },
);
