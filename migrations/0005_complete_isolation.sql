-- tenantdb: the complete schema's isolation, RBAC, limits and audit. Hand-written.

-- 1. Every new tenant table: FORCE RLS, DML grants for its commands, updated_at trigger.
SELECT tenantdb.secure_tenant_table(t.name::regclass, t.commands)
FROM (VALUES
  ('public.api_keys', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.roles', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.role_permissions', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.member_roles', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.widgets', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.meetings', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.ai_personalities', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.knowledge_documents', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.knowledge_chunks', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.connectors', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.tasks', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.agent_results', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.analytics_events', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.analytics_snapshots', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.module_insights', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.usage_snapshots', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.business_profiles', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.cost_events', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.cost_summaries', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.budget_alerts', ARRAY['select', 'insert', 'update', 'delete']),
  ('public.audit_logs', ARRAY['select', 'insert'])
) AS t(name, commands);
--> statement-breakpoint
-- 2. Global tables. Auth.js tables: no grants to the application role at all.
REVOKE ALL ON TABLE public.accounts, public.auth_sessions, public.verification_tokens,
  public.permissions, public.global_knowledge_documents, public.global_knowledge_chunks FROM PUBLIC;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.accounts, public.auth_sessions, public.verification_tokens,
  public.permissions, public.global_knowledge_documents, public.global_knowledge_chunks TO tenantdb_system;
--> statement-breakpoint
ALTER TABLE public.permissions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.global_knowledge_documents FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.global_knowledge_chunks FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON TABLE public.permissions, public.global_knowledge_documents, public.global_knowledge_chunks TO tenantdb_app;
--> statement-breakpoint
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON public.global_knowledge_documents
  FOR EACH ROW EXECUTE FUNCTION tenantdb.touch_updated_at();
--> statement-breakpoint
-- 3. Optional references to another tenant table: deleting the parent nulls only the reference
-- column (tenant_id is NOT NULL and part of the key), and keeps the row.
ALTER TABLE public.conversations
  DROP CONSTRAINT conversations_widget_id_fkey,
  ADD CONSTRAINT conversations_widget_id_fkey FOREIGN KEY (tenant_id, widget_id)
    REFERENCES public.widgets (tenant_id, id) ON DELETE SET NULL (widget_id),
  DROP CONSTRAINT conversations_meeting_id_fkey,
  ADD CONSTRAINT conversations_meeting_id_fkey FOREIGN KEY (tenant_id, meeting_id)
    REFERENCES public.meetings (tenant_id, id) ON DELETE SET NULL (meeting_id),
  DROP CONSTRAINT conversations_personality_id_fkey,
  ADD CONSTRAINT conversations_personality_id_fkey FOREIGN KEY (tenant_id, personality_id)
    REFERENCES public.ai_personalities (tenant_id, id) ON DELETE SET NULL (personality_id);
--> statement-breakpoint
ALTER TABLE public.tasks
  DROP CONSTRAINT tasks_connector_id_fkey,
  ADD CONSTRAINT tasks_connector_id_fkey FOREIGN KEY (tenant_id, connector_id)
    REFERENCES public.connectors (tenant_id, id) ON DELETE SET NULL (connector_id);
--> statement-breakpoint
ALTER TABLE public.analytics_snapshots
  DROP CONSTRAINT analytics_snapshots_connector_id_fkey,
  ADD CONSTRAINT analytics_snapshots_connector_id_fkey FOREIGN KEY (tenant_id, connector_id)
    REFERENCES public.connectors (tenant_id, id) ON DELETE SET NULL (connector_id);
--> statement-breakpoint
ALTER TABLE public.cost_events
  DROP CONSTRAINT cost_events_conversation_id_fkey,
  ADD CONSTRAINT cost_events_conversation_id_fkey FOREIGN KEY (tenant_id, conversation_id)
    REFERENCES public.conversations (tenant_id, id) ON DELETE SET NULL (conversation_id);
--> statement-breakpoint
-- 4. The context also records the member's coarse role (viewers are read-only) and the system
-- context its reason (for the audit trail). Replaces 0002's versions.
CREATE OR REPLACE FUNCTION tenantdb.authorize_member(p_tenant uuid, p_user uuid, OUT status text, OUT member_role text)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_member text;
BEGIN
  IF p_tenant IS NULL THEN
    RAISE EXCEPTION 'a tenant id is required to open a tenant context' USING ERRCODE = 'TD001';
  END IF;
  SELECT t.status::text INTO status FROM public.tenants t WHERE t.id = p_tenant;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'tenant % does not exist', p_tenant USING ERRCODE = 'TD002',
      HINT = 'Provision the tenant first (provisionTenant), or check the id.';
  END IF;
  IF status = 'CANCELLED' THEN
    RAISE EXCEPTION 'tenant % is CANCELLED: its data can no longer be accessed', p_tenant USING ERRCODE = 'TD003',
      HINT = 'Reactivate the tenant in the system context to restore access.';
  END IF;
  IF p_user IS NOT NULL THEN
    SELECT m.status::text, m.role::text INTO v_member, member_role FROM public.tenant_members m
      WHERE m.tenant_id = p_tenant AND m.user_id = p_user;
    IF v_member IS DISTINCT FROM 'ACTIVE' THEN
      RAISE EXCEPTION 'user % is not an active member of tenant %', p_user, p_tenant USING ERRCODE = 'TD004',
        DETAIL = CASE WHEN v_member IS NULL THEN 'no membership' ELSE 'membership status ' || v_member END,
        HINT = 'Add or reactivate the membership (tenant_members) before opening the context.';
    END IF;
  END IF;
END $$;
--> statement-breakpoint
ALTER FUNCTION tenantdb.authorize_member(uuid, uuid) OWNER TO tenantdb_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.authorize_member(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.authorize_member(uuid, uuid) TO tenantdb_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.open_context(p_tenant uuid, p_user uuid, p_switch_role boolean DEFAULT true)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  v_auth record;
  v_open uuid := tenantdb.current_tenant_id();
BEGIN
  IF v_open IS NOT NULL AND v_open IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'this transaction already has the context of tenant %', v_open USING ERRCODE = 'TD006',
      HINT = 'Open each tenant context in its own transaction.';
  END IF;
  v_auth := tenantdb.authorize_member(p_tenant, p_user);
  EXECUTE pg_catalog.format('SET LOCAL app.current_tenant_id = %L', p_tenant);
  EXECUTE pg_catalog.format('SET LOCAL app.current_user_id = %L', COALESCE(p_user::text, ''));
  EXECUTE pg_catalog.format('SET LOCAL app.current_member_role = %L', COALESCE(v_auth.member_role, ''));
  IF v_auth.status = 'SUSPENDED' THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  IF p_switch_role AND current_user <> 'tenantdb_app' THEN
    SET LOCAL ROLE tenantdb_app;
  END IF;
  RETURN v_auth.status;
END $$;
--> statement-breakpoint
DROP FUNCTION tenantdb.authorize_context(uuid, uuid);
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.open_system_context(p_reason text) RETURNS void
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  IF p_reason IS NULL OR pg_catalog.btrim(p_reason) = '' THEN
    RAISE EXCEPTION 'the system context needs a reason' USING ERRCODE = 'TD005';
  END IF;
  IF NOT pg_catalog.pg_has_role(current_user, 'tenantdb_system', 'MEMBER') THEN
    RAISE EXCEPTION 'role % may not open the system context', current_user USING ERRCODE = 'TD005',
      HINT = 'Connect as the owner role (the one that runs migrations) for system work.';
  END IF;
  SET LOCAL app.current_tenant_id = '';
  SET LOCAL app.current_user_id = '';
  SET LOCAL app.current_member_role = '';
  EXECUTE pg_catalog.format('SET LOCAL app.system_reason = %L', p_reason);
  SET LOCAL ROLE tenantdb_system;
  INSERT INTO tenantdb.system_context_log (reason) VALUES (p_reason);
END $$;
--> statement-breakpoint
-- 5. Viewers never write: a RESTRICTIVE policy on every write of every tenant table.
CREATE OR REPLACE FUNCTION tenantdb.current_member_can_write() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(pg_catalog.current_setting('app.current_member_role', true), '') IS DISTINCT FROM 'viewer' $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.current_member_can_write() TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
-- Adds RESTRICTIVE write policies `<table>_<name>_{insert,update,delete}` requiring `p_check`
-- (a boolean SQL expression evaluated once per statement). Updates check the new row, so a
-- refused update raises instead of silently matching nothing.
CREATE OR REPLACE FUNCTION tenantdb.restrict_writes(p_table regclass, p_name text, p_check text) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_table text := (SELECT c.relname FROM pg_class c WHERE c.oid = p_table);
BEGIN
  EXECUTE format('CREATE POLICY %I ON %s AS RESTRICTIVE FOR INSERT TO public WITH CHECK ((SELECT %s))',
    v_table || '_' || p_name || '_insert', p_table, p_check);
  EXECUTE format('CREATE POLICY %I ON %s AS RESTRICTIVE FOR UPDATE TO public USING (true) WITH CHECK ((SELECT %s))',
    v_table || '_' || p_name || '_update', p_table, p_check);
  EXECUTE format('CREATE POLICY %I ON %s AS RESTRICTIVE FOR DELETE TO public USING ((SELECT %s))',
    v_table || '_' || p_name || '_delete', p_table, p_check);
END $$;
--> statement-breakpoint
SELECT tenantdb.restrict_writes(c.oid::regclass, 'writable', 'tenantdb.current_member_can_write()')
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
  AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = c.relname || '_tenant_isolation');
--> statement-breakpoint
-- 6. RBAC. The catalogue of permissions, the default (system) roles, and the checks.
INSERT INTO public.permissions (resource, action, description) VALUES
  ('conversations', 'read', 'Read conversations and messages'),
  ('conversations', 'write', 'Start conversations and send messages'),
  ('knowledge', 'read', 'Search the knowledge base'),
  ('knowledge', 'write', 'Add and change knowledge documents'),
  ('connectors', 'read', 'See connectors and their sync state'),
  ('connectors', 'manage', 'Create, change and delete connectors and their credentials'),
  ('tasks', 'read', 'See agent tasks and results'),
  ('tasks', 'create', 'Queue agent tasks'),
  ('agents', 'run', 'Run AI agents'),
  ('analytics', 'read', 'See analytics, insights and usage'),
  ('billing', 'read', 'See costs and budget alerts'),
  ('billing', 'manage', 'Change budgets and billing settings'),
  ('members', 'read', 'See the members of the organisation'),
  ('members', 'manage', 'Invite, change and remove members'),
  ('roles', 'manage', 'Create roles and assign permissions and roles'),
  ('api_keys', 'manage', 'Issue and revoke API keys'),
  ('settings', 'manage', 'Change organisation settings, widgets and personalities'),
  ('audit', 'read', 'Read the audit log')
ON CONFLICT (resource, action) DO NOTHING;
--> statement-breakpoint
-- The system roles of a tenant and their permissions (idempotent). Run in provisioning.
CREATE OR REPLACE FUNCTION tenantdb.create_default_roles(p_tenant uuid) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  INSERT INTO public.roles (tenant_id, name, description, is_system) VALUES
    (p_tenant, 'super_admin', 'Full access to the organisation', true),
    (p_tenant, 'org_admin', 'Administers the organisation', true),
    (p_tenant, 'org_member', 'Regular member', true),
    (p_tenant, 'agent_user', 'Can run AI agents', true)
  ON CONFLICT (tenant_id, name) DO NOTHING;
  INSERT INTO public.role_permissions (tenant_id, role_id, permission_id)
  SELECT p_tenant, r.id, p.id
  FROM public.roles r
  JOIN public.permissions p ON
       r.name = 'super_admin'
    OR (r.name = 'org_admin' AND (p.resource, p.action) <> ('billing', 'manage'))
    OR (r.name = 'org_member' AND (p.resource || ':' || p.action) IN (
          'conversations:read', 'conversations:write', 'knowledge:read', 'knowledge:write', 'connectors:read',
          'tasks:read', 'tasks:create', 'agents:run', 'analytics:read', 'members:read'))
    OR (r.name = 'agent_user' AND (p.resource || ':' || p.action) IN (
          'conversations:read', 'conversations:write', 'knowledge:read', 'tasks:read', 'tasks:create', 'agents:run'))
  WHERE r.tenant_id = p_tenant AND r.is_system
  ON CONFLICT (tenant_id, role_id, permission_id) DO NOTHING;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.create_default_roles(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.create_default_roles(uuid) TO tenantdb_system;
--> statement-breakpoint
SELECT tenantdb.create_default_roles(id) FROM public.tenants;
--> statement-breakpoint
-- Whether a user holds a permission in a tenant. Answers only for the tenant of the open context
-- (or in the system context): it cannot be used to probe other tenants. SECURITY INVOKER, so RLS
-- applies to every table it reads; fixed search_path.
CREATE OR REPLACE FUNCTION tenantdb.user_has_permission(p_user uuid, p_tenant uuid, p_resource text, p_action text)
  RETURNS boolean
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF p_tenant IS DISTINCT FROM tenantdb.current_tenant_id() AND current_user <> 'tenantdb_system' THEN
    RAISE EXCEPTION 'user_has_permission answers only for the tenant of the open context' USING ERRCODE = 'TD007',
      HINT = 'Open the tenant''s context (withTenantContext) and ask there.';
  END IF;
  RETURN EXISTS (
    SELECT 1
    FROM public.tenant_members m
    JOIN public.member_roles mr ON mr.tenant_id = m.tenant_id AND mr.member_id = m.id
    JOIN public.role_permissions rp ON rp.tenant_id = mr.tenant_id AND rp.role_id = mr.role_id
    JOIN public.permissions p ON p.id = rp.permission_id
    WHERE m.tenant_id = p_tenant AND m.user_id = p_user AND m.status = 'ACTIVE'
      AND p.resource = p_resource AND p.action = p_action
  );
END $$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.user_has_permission(uuid, uuid, text, text) TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
-- The check policies use: the current member's permission. A context opened without a user is
-- the application acting for the tenant (a job, a webhook) and is not narrowed by RBAC.
CREATE OR REPLACE FUNCTION tenantdb.has_permission(p_resource text, p_action text) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
  SELECT tenantdb.current_user_id() IS NULL
      OR tenantdb.user_has_permission(tenantdb.current_user_id(), tenantdb.current_tenant_id(), p_resource, p_action)
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.has_permission(text, text) TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
-- Sensitive writes need the permission, enforced by the database (raw SQL too).
SELECT tenantdb.restrict_writes('public.connectors', 'rbac', 'tenantdb.has_permission(''connectors'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.tenant_members', 'rbac', 'tenantdb.has_permission(''members'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.member_roles', 'rbac', 'tenantdb.has_permission(''roles'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.roles', 'rbac', 'tenantdb.has_permission(''roles'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.role_permissions', 'rbac', 'tenantdb.has_permission(''roles'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.api_keys', 'rbac', 'tenantdb.has_permission(''api_keys'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.ai_personalities', 'rbac', 'tenantdb.has_permission(''settings'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.widgets', 'rbac', 'tenantdb.has_permission(''settings'', ''manage'')');
--> statement-breakpoint
SELECT tenantdb.restrict_writes('public.budget_alerts', 'rbac', 'tenantdb.has_permission(''billing'', ''manage'')');
--> statement-breakpoint
-- 7. Plan limits (seed 003: max_users 10, max_connectors 5), enforced by triggers so raw SQL
-- obeys them. A per-tenant advisory lock serialises concurrent inserts of one tenant.
CREATE OR REPLACE FUNCTION tenantdb.enforce_limit() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_limit integer;
  v_count integer;
  v_name text := TG_ARGV[0];
BEGIN
  IF TG_TABLE_NAME = 'tenant_members' THEN
    IF NEW.status <> 'ACTIVE' THEN
      RETURN NEW;
    END IF;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(NEW.tenant_id::text || ':' || v_name, 0));
  EXECUTE format('SELECT %I FROM public.tenants WHERE id = $1', v_name) INTO v_limit USING NEW.tenant_id;
  IF TG_TABLE_NAME = 'tenant_members' THEN
    SELECT count(*) INTO v_count FROM public.tenant_members
      WHERE tenant_id = NEW.tenant_id AND status = 'ACTIVE' AND id <> NEW.id;
  ELSE
    EXECUTE format('SELECT count(*) FROM %I.%I WHERE tenant_id = $1 AND id <> $2', TG_TABLE_SCHEMA, TG_TABLE_NAME)
      INTO v_count USING NEW.tenant_id, NEW.id;
  END IF;
  IF v_limit IS NOT NULL AND v_count + 1 > v_limit THEN
    RAISE EXCEPTION 'tenant limit % reached: % allows %', v_name, TG_TABLE_NAME, v_limit USING ERRCODE = 'TD010',
      DETAIL = v_name, HINT = 'Raise the tenant''s limit (plan) or remove unused rows first.';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER enforce_max_users BEFORE INSERT OR UPDATE OF status ON public.tenant_members
  FOR EACH ROW EXECUTE FUNCTION tenantdb.enforce_limit('max_users');
--> statement-breakpoint
CREATE TRIGGER enforce_max_connectors BEFORE INSERT ON public.connectors
  FOR EACH ROW EXECUTE FUNCTION tenantdb.enforce_limit('max_connectors');
--> statement-breakpoint
-- 8. The audit trail, written by triggers so raw SQL is audited too. SECURITY DEFINER owned by
-- tenantdb_system so the entry is written whatever the writer may do; secrets are redacted.
CREATE OR REPLACE FUNCTION tenantdb.audit_row() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_old jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  v_new jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  v_tenant uuid := COALESCE(NEW.tenant_id, OLD.tenant_id);
  v_column text;
BEGIN
  -- A tenant being deleted takes its audit trail with it; nothing to record.
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM public.tenants WHERE id = v_tenant) THEN
    RETURN NULL;
  END IF;
  -- Bookkeeping-only updates (timestamps, last use) are not changes worth a trail entry.
  IF TG_OP = 'UPDATE' AND v_old - ARRAY['updated_at', 'last_used_at'] = v_new - ARRAY['updated_at', 'last_used_at'] THEN
    RETURN NULL;
  END IF;
  FOREACH v_column IN ARRAY COALESCE(TG_ARGV, '{}') LOOP
    IF v_old ? v_column THEN v_old := v_old || jsonb_build_object(v_column, '[redacted]'); END IF;
    IF v_new ? v_column THEN v_new := v_new || jsonb_build_object(v_column, '[redacted]'); END IF;
  END LOOP;
  INSERT INTO public.audit_logs (tenant_id, actor_user_id, action, resource, resource_id, before, after, system_reason)
  VALUES (v_tenant, tenantdb.current_user_id(), lower(TG_OP), TG_TABLE_NAME,
          COALESCE(NEW.id, OLD.id)::text, v_old, v_new,
          NULLIF(current_setting('app.system_reason', true), ''));
  RETURN NULL;
END $$;
--> statement-breakpoint
ALTER FUNCTION tenantdb.audit_row() OWNER TO tenantdb_system;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.audit_table(p_table regclass, p_redact text[] DEFAULT '{}') RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS audit_row ON %s', p_table);
  EXECUTE format('CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION tenantdb.audit_row(%s)',
    p_table, (SELECT string_agg(quote_literal(c), ', ') FROM unnest(p_redact) c));
END $$;
--> statement-breakpoint
SELECT tenantdb.audit_table(t.name::regclass, t.redact)
FROM (VALUES
  ('public.tenant_members', '{}'::text[]),
  ('public.api_keys', ARRAY['key_hash']),
  ('public.roles', '{}'),
  ('public.role_permissions', '{}'),
  ('public.member_roles', '{}'),
  ('public.widgets', '{}'),
  ('public.ai_personalities', '{}'),
  ('public.knowledge_documents', '{}'),
  ('public.connectors', ARRAY['credentials_encrypted']),
  ('public.business_profiles', '{}'),
  ('public.budget_alerts', '{}')
) AS t(name, redact);
--> statement-breakpoint
-- Entries never change; only privileged roles may delete them (retention, tenant deletion).
CREATE OR REPLACE FUNCTION tenantdb.audit_logs_immutable() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$ BEGIN RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'TD011'; END $$;
--> statement-breakpoint
CREATE TRIGGER audit_logs_immutable BEFORE UPDATE ON public.audit_logs
  FOR EACH ROW EXECUTE FUNCTION tenantdb.audit_logs_immutable();
