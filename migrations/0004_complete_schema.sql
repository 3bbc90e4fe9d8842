CREATE TYPE "public"."alert_severity" AS ENUM('warning', 'critical');--> statement-breakpoint
CREATE TYPE "public"."budget_period" AS ENUM('daily', 'weekly', 'monthly');--> statement-breakpoint
CREATE TYPE "public"."connector_status" AS ENUM('PENDING', 'ACTIVE', 'ERROR', 'DISABLED');--> statement-breakpoint
CREATE TYPE "public"."cost_service" AS ENUM('vision', 'voice_stt', 'voice_tts', 'llm', 'embedding', 'livekit');--> statement-breakpoint
CREATE TYPE "public"."insight_severity" AS ENUM('info', 'warning', 'critical');--> statement-breakpoint
CREATE TYPE "public"."task_priority" AS ENUM('low', 'normal', 'high', 'urgent');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('pending', 'running', 'completed', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "accounts" (
	"user_id" uuid NOT NULL,
	"type" text NOT NULL,
	"provider" text NOT NULL,
	"provider_account_id" text NOT NULL,
	"refresh_token" text,
	"access_token" text,
	"expires_at" integer,
	"token_type" text,
	"scope" text,
	"id_token" text,
	"session_state" text,
	CONSTRAINT "accounts_pkey" PRIMARY KEY("provider","provider_account_id")
);
--> statement-breakpoint
CREATE TABLE "auth_sessions" (
	"session_token" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"expires" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "verification_tokens" (
	"identifier" text NOT NULL,
	"token" text NOT NULL,
	"expires" timestamp with time zone NOT NULL,
	CONSTRAINT "verification_tokens_pkey" PRIMARY KEY("identifier","token")
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] DEFAULT '{}' NOT NULL,
	"created_by" uuid,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "member_roles" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"member_id" uuid NOT NULL,
	"role_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "member_roles_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "member_roles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "permissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"resource" text NOT NULL,
	"action" text NOT NULL,
	"description" text
);
--> statement-breakpoint
ALTER TABLE "permissions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "role_permissions" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"role_id" uuid NOT NULL,
	"permission_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "role_permissions_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "role_permissions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "roles" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"is_system" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roles_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "roles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ai_personalities" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"persona" "persona" DEFAULT 'custom' NOT NULL,
	"system_prompt" text NOT NULL,
	"temperature" numeric(3, 2) DEFAULT '0.7' NOT NULL,
	"max_tokens" integer DEFAULT 2000,
	"top_p" numeric(3, 2) DEFAULT '1.0',
	"frequency_penalty" numeric(3, 2) DEFAULT '0.0',
	"presence_penalty" numeric(3, 2) DEFAULT '0.0',
	"preferred_model" text,
	"is_default" boolean DEFAULT false NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ai_personalities_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "ai_personalities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "meetings" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"room_name" text NOT NULL,
	"livekit_room_id" text NOT NULL,
	"created_by" uuid,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "meetings_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "meetings" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "widgets" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"domain_whitelist" text[] DEFAULT '{}' NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "widgets_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "widgets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "global_knowledge_chunks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"content" text NOT NULL,
	"embedding" vector(1024) NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "global_knowledge_chunks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "global_knowledge_documents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"category" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "global_knowledge_documents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "knowledge_chunks" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"document_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"content" text NOT NULL,
	"embedding" vector(1024) NOT NULL,
	"tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_chunks_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "knowledge_documents" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"category" text,
	"source" text,
	"embedding" vector(1024),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "knowledge_documents_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "knowledge_documents" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "agent_results" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"agent" "persona" DEFAULT 'custom' NOT NULL,
	"status" text DEFAULT 'success' NOT NULL,
	"summary" text,
	"output" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"tokens_used" integer,
	"cost_usd" numeric(14, 6),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agent_results_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "agent_results" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "connectors" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"provider" text NOT NULL,
	"description" text,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials_encrypted" text,
	"status" "connector_status" DEFAULT 'PENDING' NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"last_sync_at" timestamp with time zone,
	"sync_status" text,
	"sync_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connectors_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "connectors" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tasks" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"type" text NOT NULL,
	"status" "task_status" DEFAULT 'pending' NOT NULL,
	"priority" "task_priority" DEFAULT 'normal' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"error" text,
	"module_slug" text,
	"connector_id" uuid,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "analytics_events" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"event_type" text NOT NULL,
	"event_name" text NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text,
	"source_id" text,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_events_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "analytics_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "analytics_snapshots" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"connector_id" uuid,
	"date" date NOT NULL,
	"sessions" integer DEFAULT 0 NOT NULL,
	"users" integer DEFAULT 0 NOT NULL,
	"conversions" integer DEFAULT 0 NOT NULL,
	"revenue" numeric(14, 2) DEFAULT '0' NOT NULL,
	"source_breakdown" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "analytics_snapshots_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "analytics_snapshots" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "business_profiles" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"company_name" text NOT NULL,
	"industry" text,
	"size" text,
	"website" text,
	"description" text,
	"goals" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "business_profiles_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "business_profiles" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "module_insights" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"module_slug" text NOT NULL,
	"severity" "insight_severity" DEFAULT 'info' NOT NULL,
	"summary" text NOT NULL,
	"highlights" text[] DEFAULT '{}' NOT NULL,
	"action_items" jsonb DEFAULT '{"items":[]}'::jsonb NOT NULL,
	"score" numeric(5, 2),
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "module_insights_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "module_insights" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "usage_snapshots" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"date" date NOT NULL,
	"api_calls" integer DEFAULT 0 NOT NULL,
	"tokens_used" bigint DEFAULT 0 NOT NULL,
	"storage_bytes" bigint DEFAULT 0 NOT NULL,
	"metadata" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_snapshots_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "usage_snapshots" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "budget_alerts" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"threshold" numeric(12, 2) NOT NULL,
	"current_spend" numeric(14, 4) NOT NULL,
	"period" "budget_period" DEFAULT 'monthly' NOT NULL,
	"severity" "alert_severity" DEFAULT 'warning' NOT NULL,
	"notifications_sent" integer DEFAULT 0 NOT NULL,
	"triggered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved" boolean DEFAULT false NOT NULL,
	"resolved_at" timestamp with time zone,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budget_alerts_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "budget_alerts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "cost_events" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid,
	"service" "cost_service" NOT NULL,
	"provider" text,
	"tokens_used" integer,
	"cost_usd" numeric(12, 6) NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_events_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "cost_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "cost_summaries" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"total_cost_usd" numeric(14, 4) NOT NULL,
	"breakdown" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"event_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_summaries_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "cost_summaries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "audit_logs" (
	"tenant_id" uuid DEFAULT tenantdb.current_tenant_id() NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"actor_user_id" uuid,
	"action" text NOT NULL,
	"resource" text NOT NULL,
	"resource_id" text,
	"before" jsonb,
	"after" jsonb,
	"ip_address" text,
	"user_agent" text,
	"system_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_logs_pkey" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "audit_logs" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "wrapped_data_key" text;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "widget_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "meeting_id" uuid;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "personality_id" uuid;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "auth_sessions" ADD CONSTRAINT "auth_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_roles" ADD CONSTRAINT "member_roles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_roles" ADD CONSTRAINT "member_roles_member_id_fkey" FOREIGN KEY ("tenant_id","member_id") REFERENCES "public"."tenant_members"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_roles" ADD CONSTRAINT "member_roles_role_id_fkey" FOREIGN KEY ("tenant_id","role_id") REFERENCES "public"."roles"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_permission_id_permissions_id_fk" FOREIGN KEY ("permission_id") REFERENCES "public"."permissions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "role_permissions" ADD CONSTRAINT "role_permissions_role_id_fkey" FOREIGN KEY ("tenant_id","role_id") REFERENCES "public"."roles"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roles" ADD CONSTRAINT "roles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_personalities" ADD CONSTRAINT "ai_personalities_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "widgets" ADD CONSTRAINT "widgets_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "global_knowledge_chunks" ADD CONSTRAINT "global_knowledge_chunks_document_id_global_knowledge_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."global_knowledge_documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_chunks" ADD CONSTRAINT "knowledge_chunks_document_id_fkey" FOREIGN KEY ("tenant_id","document_id") REFERENCES "public"."knowledge_documents"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "knowledge_documents" ADD CONSTRAINT "knowledge_documents_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_results" ADD CONSTRAINT "agent_results_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agent_results" ADD CONSTRAINT "agent_results_task_id_fkey" FOREIGN KEY ("tenant_id","task_id") REFERENCES "public"."tasks"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_connector_id_fkey" FOREIGN KEY ("tenant_id","connector_id") REFERENCES "public"."connectors"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_events" ADD CONSTRAINT "analytics_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "analytics_snapshots" ADD CONSTRAINT "analytics_snapshots_connector_id_fkey" FOREIGN KEY ("tenant_id","connector_id") REFERENCES "public"."connectors"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "business_profiles" ADD CONSTRAINT "business_profiles_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "module_insights" ADD CONSTRAINT "module_insights_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_snapshots" ADD CONSTRAINT "usage_snapshots_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_events" ADD CONSTRAINT "cost_events_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_events" ADD CONSTRAINT "cost_events_conversation_id_fkey" FOREIGN KEY ("tenant_id","conversation_id") REFERENCES "public"."conversations"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_summaries" ADD CONSTRAINT "cost_summaries_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_logs" ADD CONSTRAINT "audit_logs_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_user_idx" ON "accounts" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "auth_sessions_user_idx" ON "auth_sessions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "api_keys_key_hash_idx" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_tenant_key_hash_key" ON "api_keys" USING btree ("tenant_id","key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_tenant_prefix_idx" ON "api_keys" USING btree ("tenant_id","prefix");--> statement-breakpoint
CREATE UNIQUE INDEX "member_roles_tenant_member_role_key" ON "member_roles" USING btree ("tenant_id","member_id","role_id");--> statement-breakpoint
CREATE INDEX "member_roles_tenant_role_idx" ON "member_roles" USING btree ("tenant_id","role_id");--> statement-breakpoint
CREATE UNIQUE INDEX "permissions_resource_action_key" ON "permissions" USING btree ("resource","action");--> statement-breakpoint
CREATE UNIQUE INDEX "role_permissions_tenant_role_permission_key" ON "role_permissions" USING btree ("tenant_id","role_id","permission_id");--> statement-breakpoint
CREATE UNIQUE INDEX "roles_tenant_name_key" ON "roles" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "ai_personalities_tenant_name_key" ON "ai_personalities" USING btree ("tenant_id","name");--> statement-breakpoint
CREATE INDEX "ai_personalities_default_idx" ON "ai_personalities" USING btree ("tenant_id","is_default","is_active");--> statement-breakpoint
CREATE UNIQUE INDEX "meetings_tenant_room_name_key" ON "meetings" USING btree ("tenant_id","room_name");--> statement-breakpoint
CREATE UNIQUE INDEX "meetings_tenant_livekit_room_key" ON "meetings" USING btree ("tenant_id","livekit_room_id");--> statement-breakpoint
CREATE INDEX "global_knowledge_chunks_document_idx" ON "global_knowledge_chunks" USING btree ("document_id","position");--> statement-breakpoint
CREATE INDEX "global_knowledge_chunks_embedding_idx" ON "global_knowledge_chunks" USING hnsw ("embedding" vector_cosine_ops) WITH (m=16,ef_construction=64);--> statement-breakpoint
CREATE INDEX "global_knowledge_chunks_tsv_idx" ON "global_knowledge_chunks" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_tenant_document_idx" ON "knowledge_chunks" USING btree ("tenant_id","document_id","position");--> statement-breakpoint
CREATE INDEX "knowledge_chunks_embedding_idx" ON "knowledge_chunks" USING hnsw ("embedding" vector_cosine_ops) WITH (m=16,ef_construction=64);--> statement-breakpoint
CREATE INDEX "knowledge_chunks_tsv_idx" ON "knowledge_chunks" USING gin ("tsv");--> statement-breakpoint
CREATE INDEX "knowledge_documents_tenant_category_idx" ON "knowledge_documents" USING btree ("tenant_id","category");--> statement-breakpoint
CREATE INDEX "agent_results_tenant_task_idx" ON "agent_results" USING btree ("tenant_id","task_id");--> statement-breakpoint
CREATE INDEX "connectors_tenant_status_idx" ON "connectors" USING btree ("tenant_id","status");--> statement-breakpoint
CREATE INDEX "connectors_tenant_provider_idx" ON "connectors" USING btree ("tenant_id","provider");--> statement-breakpoint
CREATE INDEX "tasks_tenant_status_run_at_idx" ON "tasks" USING btree ("tenant_id","status","run_at");--> statement-breakpoint
CREATE INDEX "tasks_tenant_module_idx" ON "tasks" USING btree ("tenant_id","module_slug");--> statement-breakpoint
CREATE INDEX "tasks_tenant_connector_idx" ON "tasks" USING btree ("tenant_id","connector_id");--> statement-breakpoint
CREATE INDEX "analytics_events_tenant_occurred_idx" ON "analytics_events" USING btree ("tenant_id","occurred_at");--> statement-breakpoint
CREATE INDEX "analytics_events_tenant_type_idx" ON "analytics_events" USING btree ("tenant_id","event_type");--> statement-breakpoint
CREATE INDEX "analytics_events_tenant_source_idx" ON "analytics_events" USING btree ("tenant_id","source_id");--> statement-breakpoint
CREATE UNIQUE INDEX "analytics_snapshots_tenant_date_key" ON "analytics_snapshots" USING btree ("tenant_id","date");--> statement-breakpoint
CREATE INDEX "analytics_snapshots_tenant_connector_idx" ON "analytics_snapshots" USING btree ("tenant_id","connector_id");--> statement-breakpoint
CREATE UNIQUE INDEX "business_profiles_tenant_key" ON "business_profiles" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "module_insights_tenant_module_idx" ON "module_insights" USING btree ("tenant_id","module_slug");--> statement-breakpoint
CREATE INDEX "module_insights_tenant_created_idx" ON "module_insights" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "module_insights_tenant_severity_idx" ON "module_insights" USING btree ("tenant_id","severity");--> statement-breakpoint
CREATE UNIQUE INDEX "usage_snapshots_tenant_date_key" ON "usage_snapshots" USING btree ("tenant_id","date");--> statement-breakpoint
CREATE INDEX "budget_alerts_tenant_resolved_idx" ON "budget_alerts" USING btree ("tenant_id","resolved");--> statement-breakpoint
CREATE INDEX "budget_alerts_tenant_triggered_idx" ON "budget_alerts" USING btree ("tenant_id","triggered_at");--> statement-breakpoint
CREATE INDEX "cost_events_tenant_occurred_idx" ON "cost_events" USING btree ("tenant_id","occurred_at");--> statement-breakpoint
CREATE INDEX "cost_events_tenant_service_occurred_idx" ON "cost_events" USING btree ("tenant_id","service","occurred_at");--> statement-breakpoint
CREATE INDEX "cost_events_tenant_conversation_idx" ON "cost_events" USING btree ("tenant_id","conversation_id");--> statement-breakpoint
CREATE INDEX "cost_summaries_tenant_period_idx" ON "cost_summaries" USING btree ("tenant_id","period_start","period_end");--> statement-breakpoint
CREATE INDEX "audit_logs_tenant_created_idx" ON "audit_logs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "audit_logs_tenant_resource_idx" ON "audit_logs" USING btree ("tenant_id","resource","resource_id");--> statement-breakpoint
CREATE INDEX "audit_logs_tenant_actor_idx" ON "audit_logs" USING btree ("tenant_id","actor_user_id");--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_widget_id_fkey" FOREIGN KEY ("tenant_id","widget_id") REFERENCES "public"."widgets"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_meeting_id_fkey" FOREIGN KEY ("tenant_id","meeting_id") REFERENCES "public"."meetings"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_personality_id_fkey" FOREIGN KEY ("tenant_id","personality_id") REFERENCES "public"."ai_personalities"("tenant_id","id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_tenant_widget_idx" ON "conversations" USING btree ("tenant_id","widget_id");--> statement-breakpoint
CREATE INDEX "conversations_tenant_meeting_idx" ON "conversations" USING btree ("tenant_id","meeting_id");--> statement-breakpoint
CREATE POLICY "api_keys_tenant_isolation" ON "api_keys" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "api_keys_select" ON "api_keys" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "api_keys_insert" ON "api_keys" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "api_keys_update" ON "api_keys" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "api_keys_delete" ON "api_keys" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "member_roles_tenant_isolation" ON "member_roles" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "member_roles_select" ON "member_roles" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "member_roles_insert" ON "member_roles" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "member_roles_update" ON "member_roles" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "member_roles_delete" ON "member_roles" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "permissions_select_all" ON "permissions" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "role_permissions_tenant_isolation" ON "role_permissions" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "role_permissions_select" ON "role_permissions" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "role_permissions_insert" ON "role_permissions" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "role_permissions_update" ON "role_permissions" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "role_permissions_delete" ON "role_permissions" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "roles_tenant_isolation" ON "roles" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "roles_select" ON "roles" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "roles_insert" ON "roles" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "roles_update" ON "roles" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "roles_delete" ON "roles" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "ai_personalities_tenant_isolation" ON "ai_personalities" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "ai_personalities_select" ON "ai_personalities" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "ai_personalities_insert" ON "ai_personalities" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "ai_personalities_update" ON "ai_personalities" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "ai_personalities_delete" ON "ai_personalities" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "meetings_tenant_isolation" ON "meetings" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "meetings_select" ON "meetings" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "meetings_insert" ON "meetings" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "meetings_update" ON "meetings" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "meetings_delete" ON "meetings" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "widgets_tenant_isolation" ON "widgets" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "widgets_select" ON "widgets" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "widgets_insert" ON "widgets" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "widgets_update" ON "widgets" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "widgets_delete" ON "widgets" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "global_knowledge_chunks_select_all" ON "global_knowledge_chunks" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "global_knowledge_documents_select_all" ON "global_knowledge_documents" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "knowledge_chunks_tenant_isolation" ON "knowledge_chunks" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "knowledge_chunks_select" ON "knowledge_chunks" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "knowledge_chunks_insert" ON "knowledge_chunks" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "knowledge_chunks_update" ON "knowledge_chunks" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "knowledge_chunks_delete" ON "knowledge_chunks" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "knowledge_documents_tenant_isolation" ON "knowledge_documents" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "knowledge_documents_select" ON "knowledge_documents" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "knowledge_documents_insert" ON "knowledge_documents" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "knowledge_documents_update" ON "knowledge_documents" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "knowledge_documents_delete" ON "knowledge_documents" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "agent_results_tenant_isolation" ON "agent_results" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "agent_results_select" ON "agent_results" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "agent_results_insert" ON "agent_results" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "agent_results_update" ON "agent_results" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "agent_results_delete" ON "agent_results" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "connectors_tenant_isolation" ON "connectors" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "connectors_select" ON "connectors" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "connectors_insert" ON "connectors" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "connectors_update" ON "connectors" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "connectors_delete" ON "connectors" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "tasks_tenant_isolation" ON "tasks" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "tasks_select" ON "tasks" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "tasks_insert" ON "tasks" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tasks_update" ON "tasks" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tasks_delete" ON "tasks" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "analytics_events_tenant_isolation" ON "analytics_events" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "analytics_events_select" ON "analytics_events" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "analytics_events_insert" ON "analytics_events" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "analytics_events_update" ON "analytics_events" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "analytics_events_delete" ON "analytics_events" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "analytics_snapshots_tenant_isolation" ON "analytics_snapshots" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "analytics_snapshots_select" ON "analytics_snapshots" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "analytics_snapshots_insert" ON "analytics_snapshots" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "analytics_snapshots_update" ON "analytics_snapshots" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "analytics_snapshots_delete" ON "analytics_snapshots" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "business_profiles_tenant_isolation" ON "business_profiles" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "business_profiles_select" ON "business_profiles" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "business_profiles_insert" ON "business_profiles" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "business_profiles_update" ON "business_profiles" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "business_profiles_delete" ON "business_profiles" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "module_insights_tenant_isolation" ON "module_insights" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "module_insights_select" ON "module_insights" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "module_insights_insert" ON "module_insights" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "module_insights_update" ON "module_insights" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "module_insights_delete" ON "module_insights" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "usage_snapshots_tenant_isolation" ON "usage_snapshots" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "usage_snapshots_select" ON "usage_snapshots" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "usage_snapshots_insert" ON "usage_snapshots" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "usage_snapshots_update" ON "usage_snapshots" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "usage_snapshots_delete" ON "usage_snapshots" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "budget_alerts_tenant_isolation" ON "budget_alerts" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "budget_alerts_select" ON "budget_alerts" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "budget_alerts_insert" ON "budget_alerts" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "budget_alerts_update" ON "budget_alerts" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "budget_alerts_delete" ON "budget_alerts" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "cost_events_tenant_isolation" ON "cost_events" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "cost_events_select" ON "cost_events" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "cost_events_insert" ON "cost_events" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "cost_events_update" ON "cost_events" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "cost_events_delete" ON "cost_events" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "cost_summaries_tenant_isolation" ON "cost_summaries" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "cost_summaries_select" ON "cost_summaries" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "cost_summaries_insert" ON "cost_summaries" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "cost_summaries_update" ON "cost_summaries" AS PERMISSIVE FOR UPDATE TO "tenantdb_app" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "cost_summaries_delete" ON "cost_summaries" AS PERMISSIVE FOR DELETE TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "audit_logs_tenant_isolation" ON "audit_logs" AS RESTRICTIVE FOR ALL TO public USING (tenant_id = (select tenantdb.current_tenant_id())) WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()));--> statement-breakpoint
CREATE POLICY "audit_logs_select" ON "audit_logs" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (true);--> statement-breakpoint
CREATE POLICY "audit_logs_insert" ON "audit_logs" AS PERMISSIVE FOR INSERT TO "tenantdb_app" WITH CHECK (true);