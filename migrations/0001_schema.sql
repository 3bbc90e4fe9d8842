CREATE TYPE "public"."conversation_mode" AS ENUM('text', 'meeting');--> statement-breakpoint
CREATE TYPE "public"."member_role" AS ENUM('owner', 'admin', 'member', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."member_status" AS ENUM('ACTIVE', 'INACTIVE', 'INVITED', 'SUSPENDED');--> statement-breakpoint
CREATE TYPE "public"."message_role" AS ENUM('user', 'assistant', 'system');--> statement-breakpoint
CREATE TYPE "public"."persona" AS ENUM('ceo', 'cfo', 'cmo', 'cto', 'custom');--> statement-breakpoint
CREATE TYPE "public"."tenant_plan" AS ENUM('free', 'trial', 'starter', 'pro', 'growth', 'business', 'enterprise');--> statement-breakpoint
CREATE TYPE "public"."tenant_status" AS ENUM('ACTIVE', 'TRIAL', 'SUSPENDED', 'CANCELLED');--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"domain" text,
	"status" "tenant_status" DEFAULT 'ACTIVE' NOT NULL,
	"plan" "tenant_plan" DEFAULT 'free' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"features" text[] DEFAULT '{}'::text[] NOT NULL,
	"max_users" integer DEFAULT 10 NOT NULL,
	"max_connectors" integer DEFAULT 5 NOT NULL,
	"max_monthly_spend" numeric(12, 2),
	"billing_email" text,
	"stripe_customer_id" text,
	"stripe_subscription_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tenants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"image" text,
	"email_verified" timestamp with time zone,
	"password_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tenant_members" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"role" "member_role" DEFAULT 'member' NOT NULL,
	"status" "member_status" DEFAULT 'ACTIVE' NOT NULL,
	"invited_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenant_members_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "tenant_members" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "conversations" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"title" text,
	"persona" "persona" DEFAULT 'ceo' NOT NULL,
	"mode" "conversation_mode" DEFAULT 'text' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"total_cost_usd" numeric(14, 6) DEFAULT '0' NOT NULL,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "conversations_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "conversations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "messages" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"role" "message_role" NOT NULL,
	"content" text NOT NULL,
	"attachments" jsonb,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tokens_used" integer,
	"cost_usd" numeric(14, 6),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenant_members" ADD CONSTRAINT "tenant_members_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_members" ADD CONSTRAINT "tenant_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_members" ADD CONSTRAINT "tenant_members_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_fkey" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."conversations"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_domain_key" ON "tenants" USING btree (lower("domain"));--> statement-breakpoint
CREATE UNIQUE INDEX "tenants_stripe_customer_id_key" ON "tenants" USING btree ("stripe_customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_key" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_members_tenant_user_key" ON "tenant_members" USING btree ("tenant_id","user_id");--> statement-breakpoint
CREATE INDEX "tenant_members_user_idx" ON "tenant_members" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "conversations_tenant_created_idx" ON "conversations" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "messages_conversation_created_idx" ON "messages" USING btree ("tenant_id","conversation_id","created_at","id");--> statement-breakpoint
CREATE POLICY "tenants_select_own" ON "tenants" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "users_select_members" ON "users" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (id = (select tenantdb.current_user_id()) or exists (select 1 from tenant_members m where m.user_id = users.id));--> statement-breakpoint
CREATE POLICY "users_update_self" ON "users" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (id = (select tenantdb.current_user_id())) WITH CHECK (id = (select tenantdb.current_user_id()));--> statement-breakpoint
CREATE POLICY "tenant_members_tenant_isolation" ON "tenant_members" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "tenant_members_select" ON "tenant_members" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "tenant_members_insert" ON "tenant_members" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_members_update" ON "tenant_members" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_members_delete" ON "tenant_members" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "conversations_tenant_isolation" ON "conversations" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "conversations_select" ON "conversations" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "conversations_insert" ON "conversations" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "conversations_update" ON "conversations" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "conversations_delete" ON "conversations" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "messages_tenant_isolation" ON "messages" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "messages_select" ON "messages" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "messages_insert" ON "messages" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "messages_update" ON "messages" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "messages_delete" ON "messages" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);