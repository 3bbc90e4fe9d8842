ALTER TABLE "tenants" ADD COLUMN "max_concurrent_tasks" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "locked_by" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "dedupe_key" text;--> statement-breakpoint
CREATE INDEX "tasks_tenant_ready_idx" ON "tasks" USING btree ("tenant_id","priority" DESC NULLS LAST,"run_at","id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "tasks_running_lease_idx" ON "tasks" USING btree ("locked_until") WHERE status = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_tenant_dedupe_key_idx" ON "tasks" USING btree ("tenant_id","dedupe_key");