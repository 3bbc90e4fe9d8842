DROP INDEX "tasks_tenant_status_run_at_idx";--> statement-breakpoint
DROP INDEX "tasks_running_lease_idx";--> statement-breakpoint
DROP INDEX "tasks_tenant_dedupe_key_idx";--> statement-breakpoint
DROP INDEX "tasks_tenant_module_idx";--> statement-breakpoint
DROP INDEX "tasks_tenant_connector_idx";--> statement-breakpoint
CREATE INDEX "tasks_tenant_running_idx" ON "tasks" USING btree ("tenant_id","locked_until") WHERE status = 'running';--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_tenant_dedupe_key_idx" ON "tasks" USING btree ("tenant_id","dedupe_key") WHERE dedupe_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_tenant_module_idx" ON "tasks" USING btree ("tenant_id","module_slug") WHERE module_slug IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tasks_tenant_connector_idx" ON "tasks" USING btree ("tenant_id","connector_id") WHERE connector_id IS NOT NULL;