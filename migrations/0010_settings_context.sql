-- One context form for PGlite, PostgreSQL, PgBouncer and Citus, and policies that only compare
-- settings. Hand-written.
--
-- 1. The context travels by stand-alone `SET LOCAL` (EXECUTE format(… %L …): the values are quoted
--    literals made from typed arguments, never text from TypeScript), inside the explicit
--    transaction block that every caller now opens (BEGIN travels in the statement's pipeline).
--    Citus forwards exactly that form to its workers (with citus.propagate_set_commands = 'local');
--    it never forwards set_config(), which 0008 had switched to. The role switch is the other way
--    round: set_config('role', …) stays local (the workers are reached as the current user
--    already), where a forwarded SET LOCAL ROLE fails on the worker connection.
-- 2. Everything a policy needs is computed once here, by tenantdb.member_context, and kept in
--    transaction-local settings: the member's role, the permissions the member holds (as
--    ',resource:action,' and as ',permission-id,' lists) and the roles the member may grant
--    (every permission of which the member holds). The RBAC checks the policies call read those
--    settings instead of member_roles / role_permissions / permissions, so no policy reads a table
--    (Citus cannot run a distributed query from a shard, and a per-statement table read is slow
--    everywhere). They are a snapshot of the moment the context opened: a role granted later in
--    the same transaction counts from the next transaction on (`can()` reads the tables and
--    answers for the current state).

-- Runs as the caller, after open_context has set the tenant and switched to tenantdb_app: it reads
-- the tenant's own rows under RLS, like any statement of the context. (A SECURITY DEFINER reader
-- would reach the same shards as a second user, which Citus refuses once the transaction has
-- written them: "cannot perform query on placements that were modified in this transaction by a
-- different user".)
CREATE OR REPLACE FUNCTION tenantdb.member_context(p_tenant uuid, p_user uuid,
    OUT status text, OUT member_role text, OUT permissions text, OUT permission_ids text, OUT grantable_roles text)
  LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_member text;
  v_member_id uuid;
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
  permissions := '';
  permission_ids := '';
  grantable_roles := '';
  IF p_user IS NULL THEN
    RETURN;
  END IF;
  SELECT m.status::text, m.role::text, m.id INTO v_member, member_role, v_member_id FROM public.tenant_members m
    WHERE m.tenant_id = p_tenant AND m.user_id = p_user;
  IF v_member IS DISTINCT FROM 'ACTIVE' THEN
    RAISE EXCEPTION 'user % is not an active member of tenant %', p_user, p_tenant USING ERRCODE = 'TD004',
      DETAIL = CASE WHEN v_member IS NULL THEN 'no membership' ELSE 'membership status ' || v_member END,
      HINT = 'Add or reactivate the membership (tenant_members) before opening the context.';
  END IF;
  -- The member's permissions, through their roles.
  SELECT COALESCE(',' || string_agg(DISTINCT p.resource || ':' || p.action, ',') || ',', ''),
         COALESCE(',' || string_agg(DISTINCT p.id::text, ',') || ',', '')
    INTO permissions, permission_ids
    FROM public.member_roles mr
    JOIN public.role_permissions rp ON rp.tenant_id = mr.tenant_id AND rp.role_id = mr.role_id
    JOIN public.permissions p ON p.id = rp.permission_id
    WHERE mr.tenant_id = p_tenant AND mr.member_id = v_member_id;
  -- The roles of this tenant the member may grant: every permission of the role is held.
  SELECT COALESCE(',' || string_agg(r.id::text, ',') || ',', '') INTO grantable_roles
    FROM public.roles r
    WHERE r.tenant_id = p_tenant AND NOT EXISTS (
      SELECT 1 FROM public.role_permissions rp
      WHERE rp.tenant_id = r.tenant_id AND rp.role_id = r.id
        AND pg_catalog.strpos(permission_ids, ',' || rp.permission_id::text || ',') = 0);
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.member_context(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.member_context(uuid, uuid) TO tenantdb_app;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.open_context(p_tenant uuid, p_user uuid, p_switch_role boolean DEFAULT true)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  v_ctx record;
  v_open uuid := tenantdb.current_tenant_id();
BEGIN
  IF v_open IS NOT NULL AND v_open IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'this transaction already has the context of tenant %', v_open USING ERRCODE = 'TD006',
      HINT = 'Open each tenant context in its own transaction.';
  END IF;
  IF p_tenant IS NULL THEN
    RAISE EXCEPTION 'a tenant id is required to open a tenant context' USING ERRCODE = 'TD001';
  END IF;
  -- On Citus, the SET LOCALs below reach the workers only with propagate_set_commands = 'local'
  -- (set on the database by tenantdb distribute, but a connection opened before that, or a role's
  -- own setting, may not have it). The setting exists only where Citus is loaded.
  IF pg_catalog.current_setting('citus.propagate_set_commands', true) IS DISTINCT FROM 'local'
     AND pg_catalog.current_setting('citus.propagate_set_commands', true) IS NOT NULL THEN
    SET LOCAL citus.propagate_set_commands = 'local';
  END IF;
  -- The tenant and user first, and the role: member_context then reads the membership as the
  -- application role under RLS. An error below aborts the transaction (or the subtransaction that
  -- called this), and with it these settings.
  -- One EXECUTE for several SET LOCALs: each EXECUTE is parsed and planned on every call.
  EXECUTE pg_catalog.format('SET LOCAL app.current_tenant_id = %L; SET LOCAL app.current_user_id = %L',
    p_tenant, COALESCE(p_user::text, ''));
  IF p_switch_role AND current_user <> 'tenantdb_app' THEN
    PERFORM pg_catalog.set_config('role', 'tenantdb_app', true);
  END IF;
  v_ctx := tenantdb.member_context(p_tenant, p_user);
  EXECUTE pg_catalog.format(
    'SET LOCAL app.current_member_role = %L; SET LOCAL app.current_permissions = %L; '
    'SET LOCAL app.current_permission_ids = %L; SET LOCAL app.grantable_roles = %L',
    COALESCE(v_ctx.member_role, ''), v_ctx.permissions, v_ctx.permission_ids, v_ctx.grantable_roles);
  IF v_ctx.status = 'SUSPENDED' THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  RETURN v_ctx.status;
END $$;
--> statement-breakpoint
-- The RBAC checks of the policies: settings only. A context without a user (the application
-- acting for the tenant) is not narrowed, as before. Policies call them in initPlan form, so they
-- run once per statement.
CREATE OR REPLACE FUNCTION tenantdb.has_permission(p_resource text, p_action text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
  AS $$
  SELECT tenantdb.current_user_id() IS NULL
      OR pg_catalog.strpos(pg_catalog.current_setting('app.current_permissions', true), ',' || p_resource || ':' || p_action || ',') > 0
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.holds_permission_id(p_permission uuid) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
  AS $$
  SELECT tenantdb.current_user_id() IS NULL
      OR pg_catalog.strpos(pg_catalog.current_setting('app.current_permission_ids', true), ',' || p_permission::text || ',') > 0
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.holds_all_permissions_of(p_role uuid) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
  AS $$
  SELECT tenantdb.current_user_id() IS NULL
      OR pg_catalog.strpos(pg_catalog.current_setting('app.grantable_roles', true), ',' || p_role::text || ',') > 0
$$;
--> statement-breakpoint
-- The system context clears every setting a policy reads, by the same form.
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
  SET LOCAL app.current_permissions = '';
  SET LOCAL app.current_permission_ids = '';
  SET LOCAL app.grantable_roles = '';
  EXECUTE pg_catalog.format('SET LOCAL app.system_reason = %L', p_reason);
  PERFORM pg_catalog.set_config('role', 'tenantdb_system', true);
  INSERT INTO tenantdb.system_context_log (reason) VALUES (p_reason);
END $$;
--> statement-breakpoint
-- Recomputes the settings of the open context from the tables: after a transaction changes roles
-- or grants (createRole and assignRole call it), its later statements see the new permissions.
CREATE OR REPLACE FUNCTION tenantdb.refresh_context() RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
BEGIN
  IF tenantdb.current_tenant_id() IS NULL THEN
    RAISE EXCEPTION 'no tenant context is open in this transaction' USING ERRCODE = 'TD001';
  END IF;
  RETURN tenantdb.open_context(tenantdb.current_tenant_id(), tenantdb.current_user_id(), false);
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.refresh_context() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.refresh_context() TO tenantdb_app;
