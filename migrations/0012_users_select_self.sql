DROP POLICY "users_select_members" ON "users" CASCADE;--> statement-breakpoint
CREATE POLICY "users_select_self" ON "users" AS PERMISSIVE FOR SELECT TO "tenantdb_app" USING (id = (select tenantdb.current_user_id()));--> statement-breakpoint
-- The users policy above compares a setting only: a tenant context sees its own user's row. The
-- old one also showed the open tenant's other members through `EXISTS (… tenant_members …)`, a
-- table read in a policy, which Citus refuses on a reference table (and runs per row elsewhere).
-- The profiles of the open tenant's members are read through this function instead (listMembers
-- in tenantdb/rbac). Hand-written.
--
-- SECURITY DEFINER, owned by tenantdb_system (BYPASSRLS), so it can read users; it answers for the
-- tenant of the open context only (no tenant parameter: it cannot be asked about another tenant),
-- and nothing without a context. Keyset pagination on (joined_at, member_id), joined_at in whole
-- milliseconds: the cursor comes back from a JavaScript Date, which holds no microseconds.
CREATE OR REPLACE FUNCTION tenantdb.member_directory(p_after_joined timestamptz, p_after_member uuid, p_limit integer)
  RETURNS TABLE (member_id uuid, user_id uuid, email text, name text, image text, role text, status text, joined_at timestamptz)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_tenant uuid := tenantdb.current_tenant_id();
BEGIN
  IF v_tenant IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT m.id, u.id, u.email, u.name, u.image, m.role::text, m.status::text,
           pg_catalog.date_trunc('milliseconds', m.created_at)
    FROM public.tenant_members m
    JOIN public.users u ON u.id = m.user_id
    WHERE m.tenant_id = v_tenant
      AND (p_after_joined IS NULL
           OR (pg_catalog.date_trunc('milliseconds', m.created_at), m.id) > (p_after_joined, p_after_member))
    ORDER BY pg_catalog.date_trunc('milliseconds', m.created_at), m.id
    LIMIT LEAST(GREATEST(COALESCE(p_limit, 100), 1), 1000);
END $$;
--> statement-breakpoint
ALTER FUNCTION tenantdb.member_directory(timestamptz, uuid, integer) OWNER TO tenantdb_system;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.member_directory(timestamptz, uuid, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.member_directory(timestamptz, uuid, integer) TO tenantdb_app;
