-- Nobody can grant more than they hold: a member may give a role (member_roles) or add a
-- permission to a role (role_permissions) only when they themselves hold every permission
-- involved. Without this an org_admin (roles:manage) could make themselves super_admin or add
-- billing:manage to a role. Contexts without a user (the application acting for the tenant) and
-- the system context are not narrowed. Hand-written.
CREATE OR REPLACE FUNCTION tenantdb.holds_permission_id(p_permission uuid) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
  SELECT tenantdb.current_user_id() IS NULL OR EXISTS (
    SELECT 1 FROM public.permissions p
    WHERE p.id = p_permission
      AND tenantdb.user_has_permission(tenantdb.current_user_id(), tenantdb.current_tenant_id(), p.resource, p.action))
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.holds_all_permissions_of(p_role uuid) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  AS $$
  SELECT tenantdb.current_user_id() IS NULL OR NOT EXISTS (
    SELECT 1 FROM public.role_permissions rp
    WHERE rp.tenant_id = tenantdb.current_tenant_id() AND rp.role_id = p_role
      AND NOT tenantdb.holds_permission_id(rp.permission_id))
$$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.holds_permission_id(uuid), tenantdb.holds_all_permissions_of(uuid)
  TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
CREATE POLICY member_roles_grant_rbac_insert ON public.member_roles AS RESTRICTIVE FOR INSERT TO public
  WITH CHECK (tenantdb.holds_all_permissions_of(role_id));
--> statement-breakpoint
CREATE POLICY member_roles_grant_rbac_update ON public.member_roles AS RESTRICTIVE FOR UPDATE TO public
  USING (true) WITH CHECK (tenantdb.holds_all_permissions_of(role_id));
--> statement-breakpoint
CREATE POLICY role_permissions_grant_rbac_insert ON public.role_permissions AS RESTRICTIVE FOR INSERT TO public
  WITH CHECK (tenantdb.holds_permission_id(permission_id));
--> statement-breakpoint
CREATE POLICY role_permissions_grant_rbac_update ON public.role_permissions AS RESTRICTIVE FOR UPDATE TO public
  USING (true) WITH CHECK (tenantdb.holds_permission_id(permission_id));
