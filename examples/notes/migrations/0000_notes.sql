CREATE TABLE "notes" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notes_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "notes_tenant_isolation" ON "notes" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "notes_select" ON "notes" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "notes_insert" ON "notes" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "notes_update" ON "notes" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "notes_delete" ON "notes" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);