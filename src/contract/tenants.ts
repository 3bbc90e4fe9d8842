import { sql } from 'drizzle-orm';
import { integer, jsonb, numeric, pgEnum, pgPolicy, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { globalTable } from './global-table.ts';
import { appRole } from './roles.ts';

export const tenantStatus = pgEnum('tenant_status', ['ACTIVE', 'TRIAL', 'SUSPENDED', 'CANCELLED']);
export const tenantPlan = pgEnum('tenant_plan', [
  'free',
  'trial',
  'starter',
  'pro',
  'growth',
  'business',
  'enterprise',
]);

/** An organisation using the product. Rows are created and changed only in the system context. */
export const tenants = globalTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    slug: text('slug').notNull(),
    domain: text('domain'),
    status: tenantStatus('status').notNull().default('ACTIVE'),
    plan: tenantPlan('plan').notNull().default('free'),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    features: text('features')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    maxUsers: integer('max_users').notNull().default(10),
    maxConnectors: integer('max_connectors').notNull().default(5),
    /** Tasks of the tenant that may run at once, across all workers; null: no limit. */
    maxConcurrentTasks: integer('max_concurrent_tasks'),
    maxMonthlySpend: numeric('max_monthly_spend', { precision: 12, scale: 2 }),
    billingEmail: text('billing_email'),
    stripeCustomerId: text('stripe_customer_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    /** The tenant's data key, encrypted (wrapped) with the master key held outside the database. */
    wrappedDataKey: text('wrapped_data_key'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  {
    reason: 'the tenants themselves; the application role reads only the tenant of its open context',
    extra: (t) => [
      uniqueIndex('tenants_slug_key').on(t.slug),
      uniqueIndex('tenants_domain_key').on(sql`lower(${t.domain})`),
      uniqueIndex('tenants_stripe_customer_id_key').on(t.stripeCustomerId),
      pgPolicy('tenants_select_own', {
        for: 'select',
        to: appRole,
        using: sql`id = (select tenantdb.current_tenant_id())`,
      }),
    ],
  },
);
