-- Triggers and functions that are correct on Citus's shards, and unchanged in effect on PGlite and
-- PostgreSQL. Hand-written.
--
-- On Citus a trigger of a distributed table fires on the shard (`connectors_102065`), so
-- TG_TABLE_NAME is the shard's name: the audit trail recorded `connectors_102065` and the limit
-- trigger took tenant_members for another table (and counted inactive members). The logical table
-- name now travels as a trigger argument; counts read TG_RELID, the table the trigger fires on,
-- which on Citus is the shard that holds every row of the tenant (tables are distributed by
-- tenant_id), so the count never leaves the node. A trigger on a shard may reach co-located shards
-- and reference tables on its own node (Citus allows local execution from triggers), which is all
-- these do: audit_logs is co-located, tenants is a reference table.

-- 1. Plan limits: TG_ARGV[0] is the limit (a column of tenants), TG_ARGV[1] the logical table.
CREATE OR REPLACE FUNCTION tenantdb.enforce_limit() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_limit integer;
  v_count integer;
  v_name text := TG_ARGV[0];
  v_table text := COALESCE(TG_ARGV[1], TG_TABLE_NAME);
BEGIN
  IF v_table = 'tenant_members' AND NEW.status <> 'ACTIVE' THEN
    RETURN NEW;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(NEW.tenant_id::text || ':' || v_name, 0));
  EXECUTE format('SELECT %I FROM public.tenants WHERE id = $1', v_name) INTO v_limit USING NEW.tenant_id;
  IF v_table = 'tenant_members' THEN
    EXECUTE format('SELECT count(*) FROM %s WHERE tenant_id = $1 AND status = ''ACTIVE'' AND id <> $2', TG_RELID::regclass)
      INTO v_count USING NEW.tenant_id, NEW.id;
  ELSE
    EXECUTE format('SELECT count(*) FROM %s WHERE tenant_id = $1 AND id <> $2', TG_RELID::regclass)
      INTO v_count USING NEW.tenant_id, NEW.id;
  END IF;
  IF v_limit IS NOT NULL AND v_count + 1 > v_limit THEN
    RAISE EXCEPTION 'tenant limit % reached: % allows %', v_name, v_table, v_limit USING ERRCODE = 'TD010',
      DETAIL = v_name, HINT = 'Raise the tenant''s limit (plan) or remove unused rows first.';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS enforce_max_users ON public.tenant_members;
--> statement-breakpoint
CREATE TRIGGER enforce_max_users BEFORE INSERT OR UPDATE OF status ON public.tenant_members
  FOR EACH ROW EXECUTE FUNCTION tenantdb.enforce_limit('max_users', 'tenant_members');
--> statement-breakpoint
DROP TRIGGER IF EXISTS enforce_max_connectors ON public.connectors;
--> statement-breakpoint
CREATE TRIGGER enforce_max_connectors BEFORE INSERT ON public.connectors
  FOR EACH ROW EXECUTE FUNCTION tenantdb.enforce_limit('max_connectors', 'connectors');
--> statement-breakpoint
-- 2. The audit trail: TG_ARGV[0] is the logical table (audit_logs.resource), the other arguments
-- the columns to redact.
CREATE OR REPLACE FUNCTION tenantdb.audit_row() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_old jsonb := CASE WHEN TG_OP IN ('UPDATE', 'DELETE') THEN to_jsonb(OLD) END;
  v_new jsonb := CASE WHEN TG_OP IN ('INSERT', 'UPDATE') THEN to_jsonb(NEW) END;
  v_tenant uuid := COALESCE(NEW.tenant_id, OLD.tenant_id);
  v_table text := COALESCE(TG_ARGV[0], TG_TABLE_NAME);
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
  IF TG_NARGS > 1 THEN
    FOREACH v_column IN ARRAY TG_ARGV[1:TG_NARGS - 1] LOOP
      IF v_old ? v_column THEN v_old := v_old || jsonb_build_object(v_column, '[redacted]'); END IF;
      IF v_new ? v_column THEN v_new := v_new || jsonb_build_object(v_column, '[redacted]'); END IF;
    END LOOP;
  END IF;
  INSERT INTO public.audit_logs (tenant_id, actor_user_id, action, resource, resource_id, before, after, system_reason)
  VALUES (v_tenant, tenantdb.current_user_id(), lower(TG_OP), v_table,
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
DECLARE
  v_table text := (SELECT c.relname FROM pg_class c WHERE c.oid = p_table);
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS audit_row ON %s', p_table);
  EXECUTE format('CREATE TRIGGER audit_row AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION tenantdb.audit_row(%s)',
    p_table, (SELECT string_agg(quote_literal(a), ', ' ORDER BY n) FROM unnest(pg_catalog.array_prepend(v_table, p_redact)) WITH ORDINALITY AS t(a, n)));
END $$;
--> statement-breakpoint
-- Every audit trigger again, with the table's name first and its redacted columns (the old
-- trigger's arguments) after.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT g.tgrelid::regclass AS tbl,
           CASE WHEN g.tgnargs = 0 THEN '{}'::text[]
                ELSE (pg_catalog.string_to_array(pg_catalog.encode(g.tgargs, 'escape'), '\000'))[1:g.tgnargs] END AS args
    FROM pg_catalog.pg_trigger g
    WHERE g.tgname = 'audit_row' AND NOT g.tgisinternal AND g.tgfoid = 'tenantdb.audit_row()'::regprocedure
  LOOP
    PERFORM tenantdb.audit_table(r.tbl, r.args);
  END LOOP;
END $$;
--> statement-breakpoint
-- 3. The system context's SET LOCALs reach Citus's workers (app.system_reason, read by the audit
-- trigger on the shard) only with propagate_set_commands = 'local': set it here as open_context
-- does, for connections opened before `tenantdb distribute` set it on the database.
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
  IF pg_catalog.current_setting('citus.propagate_set_commands', true) IS DISTINCT FROM 'local'
     AND pg_catalog.current_setting('citus.propagate_set_commands', true) IS NOT NULL THEN
    SET LOCAL citus.propagate_set_commands = 'local';
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
-- 4. `tenantdb distribute` turns `ON DELETE SET NULL (column)` into NO ACTION on distributed tables
-- (Citus refuses SET NULL on a key holding the distribution column; the scoped API nulls the
-- references before it deletes a parent). A later migrate must not try to narrow it back.
CREATE OR REPLACE FUNCTION tenantdb.narrow_set_null(p_table regclass, p_constraint text, p_column text, p_parent regclass)
  RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_distributed boolean := false;
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_constraint c
    WHERE c.conrelid = p_table AND c.conname = p_constraint AND c.confdeltype = 'n'
      AND c.confdelsetcols IS NOT NULL AND pg_catalog.array_length(c.confdelsetcols, 1) = 1
  ) THEN
    RETURN;
  END IF;
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
      INTO v_distributed USING p_table;
  END IF;
  IF v_distributed AND EXISTS (
    SELECT 1 FROM pg_constraint c WHERE c.conrelid = p_table AND c.conname = p_constraint AND c.confdeltype = 'a'
  ) THEN
    RETURN;
  END IF;
  EXECUTE pg_catalog.format(
    'ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I, ADD CONSTRAINT %I FOREIGN KEY (tenant_id, %I) REFERENCES %s (tenant_id, id) ON DELETE SET NULL (%I)',
    p_table, p_constraint, p_constraint, p_column, p_parent, p_column);
END $$;
--> statement-breakpoint
-- 5. For the permissive-only policy form `tenantdb distribute` writes on Citus (which writes
-- RESTRICTIVE policies to its shards as PERMISSIVE): each restrictive policy's WITH CHECK, folded
-- into the permissive policy, is wrapped in this guard, which refuses a new row with the error
-- PostgreSQL raises for that restrictive policy (SQLSTATE 42501, the policy named), so a refusal
-- is typed the same on every backend (PERMISSION_DENIED for the RBAC and viewer policies,
-- TENANT_ISOLATION_VIOLATION for the tenant policy). Compares nothing itself; reads no table.
CREATE OR REPLACE FUNCTION tenantdb.policy_check(p_ok boolean, p_policy text, p_table text) RETURNS boolean
  LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF p_ok IS NOT TRUE THEN
    RAISE EXCEPTION 'new row violates row-level security policy "%" for table "%"', p_policy, p_table
      USING ERRCODE = '42501';
  END IF;
  RETURN true;
END $$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION tenantdb.policy_check(boolean, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION tenantdb.policy_check(boolean, text, text) TO tenantdb_app, tenantdb_system;
