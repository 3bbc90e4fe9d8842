-- open_context at a fraction of its cost (issue 14), its contract unchanged: the same settings,
-- transaction-local, the same checks on every call (tenant exists, not CANCELLED; the user an
-- ACTIVE member), the same errors, SUSPENDED made read-only, the role switch on a privileged
-- connection.
--
-- One place decides the form of the settings:
-- - On Citus (where citus.propagate_set_commands exists) they stay stand-alone SET LOCALs in one
--   EXECUTE, the only form Citus forwards to its workers, and the member is read by
--   member_context, as in 0010.
-- - Elsewhere (PostgreSQL, PgBouncer, PGlite) they are set_config(…, true), SET LOCAL's function
--   form: one planned expression instead of an EXECUTE parsed and planned on every call.
--   Without a user, the tenant is one lookup and every setting one PERFORM; with a user, the
--   tenant, the membership, its permissions and the grantable roles are one statement.
-- Each statement here is a cached plan of this function, read as tenantdb_app under RLS after
-- the tenant is set, as member_context reads them.
CREATE OR REPLACE FUNCTION tenantdb.open_context(p_tenant uuid, p_user uuid, p_switch_role boolean DEFAULT true)
  RETURNS text
  LANGUAGE plpgsql VOLATILE
  AS $$
DECLARE
  v_open text := NULLIF(pg_catalog.current_setting('app.current_tenant_id', true), '');
  v_citus text := pg_catalog.current_setting('citus.propagate_set_commands', true);
  v_status text;
  v_member text;
  v_role text;
  v_permissions text := '';
  v_permission_ids text := '';
  v_grantable text := '';
  v_ctx record;
BEGIN
  IF v_open IS NOT NULL AND v_open::uuid IS DISTINCT FROM p_tenant THEN
    RAISE EXCEPTION 'this transaction already has the context of tenant %', v_open USING ERRCODE = 'TD006',
      HINT = 'Open each tenant context in its own transaction.';
  END IF;
  IF p_tenant IS NULL THEN
    RAISE EXCEPTION 'a tenant id is required to open a tenant context' USING ERRCODE = 'TD001';
  END IF;

  IF v_citus IS NOT NULL THEN
    -- Citus: 0010's form, verbatim in effect.
    IF v_citus IS DISTINCT FROM 'local' THEN
      SET LOCAL citus.propagate_set_commands = 'local';
    END IF;
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
  END IF;

  IF p_user IS NULL THEN
    -- The application acting for the tenant: every setting at once, then the tenant's status.
    PERFORM pg_catalog.set_config('app.current_tenant_id', p_tenant::text, true),
      pg_catalog.set_config('app.current_user_id', '', true),
      pg_catalog.set_config('app.current_member_role', '', true),
      pg_catalog.set_config('app.current_permissions', '', true),
      pg_catalog.set_config('app.current_permission_ids', '', true),
      pg_catalog.set_config('app.grantable_roles', '', true);
    IF p_switch_role AND current_user <> 'tenantdb_app' THEN
      PERFORM pg_catalog.set_config('role', 'tenantdb_app', true);
    END IF;
    SELECT t.status::text INTO v_status FROM public.tenants t WHERE t.id = p_tenant;
  ELSE
    -- A member: the tenant and user first (the reads below are the tenant's own, under RLS).
    PERFORM pg_catalog.set_config('app.current_tenant_id', p_tenant::text, true),
      pg_catalog.set_config('app.current_user_id', p_user::text, true);
    IF p_switch_role AND current_user <> 'tenantdb_app' THEN
      PERFORM pg_catalog.set_config('role', 'tenantdb_app', true);
    END IF;
    -- The tenant, the membership, the member's permissions through their roles, and the roles
    -- of this tenant the member may grant (every permission of the role is held), as
    -- member_context computes them, in one statement.
    SELECT t.status::text, m.status::text, m.role::text, held.permissions, held.permission_ids,
        COALESCE((
          SELECT ',' || pg_catalog.string_agg(r.id::text, ',') || ','
          FROM public.roles r
          WHERE m.id IS NOT NULL AND r.tenant_id = p_tenant AND NOT EXISTS (
            SELECT 1 FROM public.role_permissions rp
            WHERE rp.tenant_id = r.tenant_id AND rp.role_id = r.id
              AND pg_catalog.strpos(held.permission_ids, ',' || rp.permission_id::text || ',') = 0)
        ), '')
      INTO v_status, v_member, v_role, v_permissions, v_permission_ids, v_grantable
      FROM public.tenants t
      LEFT JOIN public.tenant_members m ON m.tenant_id = t.id AND m.user_id = p_user
      LEFT JOIN LATERAL (
        SELECT COALESCE(',' || pg_catalog.string_agg(DISTINCT p.resource || ':' || p.action, ',') || ',', '') AS permissions,
               COALESCE(',' || pg_catalog.string_agg(DISTINCT p.id::text, ',') || ',', '') AS permission_ids
        FROM public.member_roles mr
        JOIN public.role_permissions rp ON rp.tenant_id = mr.tenant_id AND rp.role_id = mr.role_id
        JOIN public.permissions p ON p.id = rp.permission_id
        WHERE mr.tenant_id = p_tenant AND mr.member_id = m.id
      ) held ON true
      WHERE t.id = p_tenant;
  END IF;

  IF NOT FOUND THEN
    RAISE EXCEPTION 'tenant % does not exist', p_tenant USING ERRCODE = 'TD002',
      HINT = 'Provision the tenant first (provisionTenant), or check the id.';
  END IF;
  IF v_status = 'CANCELLED' THEN
    RAISE EXCEPTION 'tenant % is CANCELLED: its data can no longer be accessed', p_tenant USING ERRCODE = 'TD003',
      HINT = 'Reactivate the tenant in the system context to restore access.';
  END IF;
  IF p_user IS NOT NULL THEN
    IF v_member IS DISTINCT FROM 'ACTIVE' THEN
      RAISE EXCEPTION 'user % is not an active member of tenant %', p_user, p_tenant USING ERRCODE = 'TD004',
        DETAIL = CASE WHEN v_member IS NULL THEN 'no membership' ELSE 'membership status ' || v_member END,
        HINT = 'Add or reactivate the membership (tenant_members) before opening the context.';
    END IF;
    PERFORM pg_catalog.set_config('app.current_member_role', COALESCE(v_role, ''), true),
      pg_catalog.set_config('app.current_permissions', v_permissions, true),
      pg_catalog.set_config('app.current_permission_ids', v_permission_ids, true),
      pg_catalog.set_config('app.grantable_roles', v_grantable, true);
  END IF;
  IF v_status = 'SUSPENDED' THEN
    SET LOCAL transaction_read_only = on;
  END IF;
  RETURN v_status;
END $$;
