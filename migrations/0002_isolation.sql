-- tenantdb isolation: what drizzle-kit cannot express. FORCE RLS, grants, the updated_at trigger,
-- the context functions and the system context. Hand-written.

CREATE OR REPLACE FUNCTION tenantdb.touch_updated_at() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$ BEGIN NEW.updated_at := pg_catalog.now(); RETURN NEW; END $$;
--> statement-breakpoint
-- Applies the parts of the tenant-table contract that live outside the table definition:
-- RLS enabled AND forced, DML grants only for the allowed commands, the updated_at trigger.
-- Idempotent; every migration that adds a tenant table calls it.
CREATE OR REPLACE FUNCTION tenantdb.secure_tenant_table(p_table regclass, p_commands text[]) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_command text;
BEGIN
  FOREACH v_command IN ARRAY p_commands LOOP
    IF v_command NOT IN ('select', 'insert', 'update', 'delete') THEN
      RAISE EXCEPTION 'secure_tenant_table: unknown command %', v_command;
    END IF;
  END LOOP;
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
  EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC, tenantdb_app, tenantdb_system', p_table);
  EXECUTE format('GRANT %s ON TABLE %s TO tenantdb_app', array_to_string(p_commands, ', '), p_table);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO tenantdb_system', p_table);
  EXECUTE format('DROP TRIGGER IF EXISTS touch_updated_at ON %s', p_table);
  EXECUTE format('CREATE TRIGGER touch_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION tenantdb.touch_updated_at()', p_table);
END $$;
--> statement-breakpoint
SELECT tenantdb.secure_tenant_table('public.tenant_members', ARRAY['select', 'insert', 'update', 'delete']);
--> statement-breakpoint
SELECT tenantdb.secure_tenant_table('public.conversations', ARRAY['select', 'insert', 'update', 'delete']);
--> statement-breakpoint
SELECT tenantdb.secure_tenant_table('public.messages', ARRAY['select', 'insert', 'update', 'delete']);
--> statement-breakpoint
-- Global tables: RLS forced too; the application role gets only what their own policies allow.
ALTER TABLE public.tenants FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.users FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON TABLE public.tenants, public.users FROM PUBLIC;
--> statement-breakpoint
GRANT SELECT ON TABLE public.tenants TO tenantdb_app;
--> statement-breakpoint
GRANT SELECT, UPDATE (name, image) ON TABLE public.users TO tenantdb_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.tenants, public.users TO tenantdb_system;
--> statement-breakpoint
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON public.tenants FOR EACH ROW EXECUTE FUNCTION tenantdb.touch_updated_at();
--> statement-breakpoint
CREATE TRIGGER touch_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION tenantdb.touch_updated_at();
--> statement-breakpoint
-- Checks that a context may be opened: the tenant exists and is not CANCELLED, and the user (when
-- given) is an ACTIVE member. SECURITY DEFINER owned by tenantdb_system (BYPASSRLS) so it can read
-- tenants and memberships before any context exists; it returns only the tenant's status.
CREATE OR REPLACE FUNCTION tenantdb.authorize_context(p_tenant uuid, p_user uuid) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_status text;
  v_member text;
BEGIN
  IF p_tenant IS NULL THEN
    RAISE EXCEPTION 'a tenant id is required to open a tenant context' USING ERRCODE = 'TD001';
  END IF;
  SELECT t.status::text INTO v_status FROM public.tenants t WHERE t.id = p_tenant;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'tenant % does not exist', p_tenant USING ERRCODE = 'TD002',
      HINT = 'Provision the tenant first (provisionTenant), or check the id.';
  END IF;
  IF v_status = 'CANCELLED' THEN
    RAISE EXCEPTION 'tenant % is CANCELLED: its data can no longer be accessed', p_tenant USING ERRCODE = 'TD003',
      HINT = 'Reactivate the tenant in the system context to restore access.';
  END IF;
  IF p_user IS NOT NULL THEN
    SELECT m.status::text INTO v_member FROM public.tenant_members m
      WHERE m.tenant_id = p_tenant AND m.user_id = p_user;
    IF v_member IS DISTINCT FROM 'ACTIVE' THEN
      RAISE EXCEPTION 'user % is not an active member of tenant %', p_user, p_tenant USING ERRCODE = 'TD004',
        DETAIL = CASE WHEN v_member IS NULL THEN 'no membership' ELSE 'membership status ' || v_member END,
        HINT = 'Add or reactivate the membership (tenant_members) before opening the context.';
    END IF;
  END IF;
  RETURN v_status;
END $$;
--> statement-breakpoint
GRANT CREATE ON SCHEMA tenantdb TO tenantdb_system;
--> statement-breakpoint
ALTER FUNCTION tenantdb.authorize_context(uuid, uuid) OWNER TO tenantdb_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.authorize_context(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.authorize_context(uuid, uuid) TO tenantdb_app;
--> statement-breakpoint
-- Opens a tenant context in the current transaction, in one call: authorize, SET LOCAL the
-- context (format %L quotes the already-typed values), make a SUSPENDED tenant's transaction
-- read-only, and switch a privileged connection to tenantdb_app. Deliberately no SET clause on
-- this function: one would undo these SET LOCALs when the function returns.
CREATE OR REPLACE FUNCTION tenantdb.open_context(p_tenant uuid, p_user uuid, p_switch_role boolean DEFAULT true)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  v_status text;
  v_open uuid := tenantdb.current_tenant_id();
BEGIN
  IF v_open IS NOT NULL AND v_open IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'this transaction already has the context of tenant %', v_open USING ERRCODE = 'TD006',
      HINT = 'Open each tenant context in its own transaction.';
  END IF;
  v_status := tenantdb.authorize_context(p_tenant, p_user);
  EXECUTE pg_catalog.format('SET LOCAL app.current_tenant_id = %L', p_tenant);
  EXECUTE pg_catalog.format('SET LOCAL app.current_user_id = %L', COALESCE(p_user::text, ''));
  IF v_status = 'SUSPENDED' THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  IF p_switch_role AND current_user <> 'tenantdb_app' THEN
    SET LOCAL ROLE tenantdb_app;
  END IF;
  RETURN v_status;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.open_context(uuid, uuid, boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.open_context(uuid, uuid, boolean) TO tenantdb_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.current_tenant_id(), tenantdb.current_user_id() TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
-- Every system context leaves a row here: who opened it, when, and why.
CREATE TABLE IF NOT EXISTS tenantdb.system_context_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  opened_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  opened_by text NOT NULL DEFAULT session_user,
  reason text NOT NULL
);
--> statement-breakpoint
GRANT INSERT, SELECT ON TABLE tenantdb.system_context_log TO tenantdb_system;
--> statement-breakpoint
-- Opens the system context: explicit, with a reason, only for members of tenantdb_system (the
-- migrating owner), never for tenantdb_app. No tenant is set, and RLS is bypassed by the role.
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
  SET LOCAL ROLE tenantdb_system;
  INSERT INTO tenantdb.system_context_log (reason) VALUES (p_reason);
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.open_system_context(text) FROM PUBLIC;
