CREATE TABLE "cost_period_totals" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"period" "budget_period" NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"spend" numeric(16, 6) DEFAULT '0' NOT NULL,
	"breakdown" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"event_count" integer DEFAULT 0 NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	"dirty" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_period_totals_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "cost_period_totals" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
DROP INDEX "budget_alerts_tenant_triggered_idx";--> statement-breakpoint
DROP INDEX "cost_summaries_tenant_period_idx";--> statement-breakpoint
DROP INDEX "module_insights_tenant_created_idx";--> statement-breakpoint
ALTER TABLE "usage_snapshots" ADD COLUMN "messages" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_snapshots" ADD COLUMN "active_users" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD COLUMN "threshold_percent" smallint DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD COLUMN "period_start" timestamp with time zone;--> statement-breakpoint
-- Alerts raised before periods were recorded: the UTC month they were raised in, and their
-- threshold as a share of the tenant's monthly budget. Edited by hand (drizzle-kit would add the
-- column NOT NULL without a value for existing rows).
UPDATE "budget_alerts" a SET "period_start" = date_trunc('month', a."triggered_at", 'UTC'),
  "threshold_percent" = COALESCE((SELECT round(a."threshold" * 100 / NULLIF(t."max_monthly_spend", 0))::smallint
                                  FROM "tenants" t WHERE t."id" = a."tenant_id"), 100);--> statement-breakpoint
-- One alert per tenant, period and threshold (the new unique key): the oldest of duplicates stays.
DELETE FROM "budget_alerts" a USING "budget_alerts" b
  WHERE a."tenant_id" = b."tenant_id" AND a."period" = b."period" AND a."period_start" = b."period_start"
    AND a."threshold_percent" = b."threshold_percent" AND (a."triggered_at", a."id") > (b."triggered_at", b."id");--> statement-breakpoint
ALTER TABLE "budget_alerts" ALTER COLUMN "period_start" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD COLUMN "notification_pending" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "cost_summaries" ADD COLUMN "period" "budget_period" DEFAULT 'weekly' NOT NULL;--> statement-breakpoint
ALTER TABLE "cost_summaries" ADD COLUMN "source_version" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Summaries before the unique period key: the newest of each tenant's duplicates stays (edited by hand).
DELETE FROM "cost_summaries" a USING "cost_summaries" b
  WHERE a."tenant_id" = b."tenant_id" AND a."period" = b."period" AND a."period_start" = b."period_start"
    AND (a."created_at", a."id") < (b."created_at", b."id");--> statement-breakpoint
ALTER TABLE "cost_period_totals" ADD CONSTRAINT "cost_period_totals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_period_totals_tenant_period_key" ON "cost_period_totals" USING btree ("tenant_id","period","period_start");--> statement-breakpoint
CREATE INDEX "cost_period_totals_dirty_idx" ON "cost_period_totals" USING btree ("period","tenant_id","period_start") WHERE dirty;--> statement-breakpoint
CREATE INDEX "module_insights_tenant_module_created_idx" ON "module_insights" USING btree ("tenant_id","module_slug","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "budget_alerts_tenant_period_threshold_key" ON "budget_alerts" USING btree ("tenant_id","period","period_start","threshold_percent");--> statement-breakpoint
CREATE INDEX "budget_alerts_tenant_created_idx" ON "budget_alerts" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "budget_alerts_pending_idx" ON "budget_alerts" USING btree ("tenant_id") WHERE notification_pending;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_summaries_tenant_period_key" ON "cost_summaries" USING btree ("tenant_id","period","period_start");--> statement-breakpoint
CREATE INDEX "module_insights_tenant_created_idx" ON "module_insights" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE POLICY "cost_period_totals_tenant_isolation" ON "cost_period_totals" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "cost_period_totals_select" ON "cost_period_totals" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
-- FORCE RLS, grants for its one command (select) and the updated_at trigger (edited by hand).
SELECT tenantdb.secure_tenant_table('public.cost_period_totals'::regclass, ARRAY['select']);
