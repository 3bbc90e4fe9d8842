-- The per-table contract, applied from the registry: `migrate()` generates one call of these
-- functions per declared table (src/contract/contract-sql.ts), for tenantdb's tables and the
-- user's alike, so the hand-written per-table lists of 0002 and 0005 stop growing. Every
-- function here is idempotent: the generated statements run again on every migrate. Hand-written.

-- Viewers never write: the RESTRICTIVE `<table>_writable_*` policies of 0005, created when missing.
CREATE OR REPLACE FUNCTION tenantdb.ensure_write_policies(p_table regclass) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_table text := (SELECT c.relname FROM pg_class c WHERE c.oid = p_table);
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = p_table AND p.polname = v_table || '_writable_insert') THEN
    PERFORM tenantdb.restrict_writes(p_table, 'writable', 'tenantdb.current_member_can_write()');
  END IF;
END $$;
--> statement-breakpoint
-- A composite reference declared `tenantReference(…, 'set null')`: deleting the parent nulls only
-- the reference column (tenant_id is NOT NULL and part of the key). Narrows the constraint to
-- `ON DELETE SET NULL (column)` when it is not narrowed yet.
CREATE OR REPLACE FUNCTION tenantdb.narrow_set_null(p_table regclass, p_constraint text, p_column text, p_parent regclass)
  RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_constraint c
    WHERE c.conrelid = p_table AND c.conname = p_constraint AND c.confdeltype = 'n'
      AND c.confdelsetcols IS NOT NULL AND pg_catalog.array_length(c.confdelsetcols, 1) = 1
  ) THEN
    RETURN;
  END IF;
  EXECUTE pg_catalog.format(
    'ALTER TABLE %s DROP CONSTRAINT IF EXISTS %I, ADD CONSTRAINT %I FOREIGN KEY (tenant_id, %I) REFERENCES %s (tenant_id, id) ON DELETE SET NULL (%I)',
    p_table, p_constraint, p_constraint, p_column, p_parent, p_column);
END $$;
--> statement-breakpoint
-- A global table declared with the application role's grants: RLS enabled and forced, nothing
-- for PUBLIC, DML for the system role, exactly the listed commands for the application role.
CREATE OR REPLACE FUNCTION tenantdb.secure_global_table(p_table regclass, p_app_commands text[]) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
  AS $$
DECLARE
  v_command text;
BEGIN
  FOREACH v_command IN ARRAY p_app_commands LOOP
    IF v_command NOT IN ('select', 'insert', 'update', 'delete') THEN
      RAISE EXCEPTION 'secure_global_table: unknown command %', v_command;
    END IF;
  END LOOP;
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', p_table);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', p_table);
  EXECUTE format('REVOKE ALL ON TABLE %s FROM PUBLIC, tenantdb_app, tenantdb_system', p_table);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO tenantdb_system', p_table);
  IF pg_catalog.cardinality(p_app_commands) > 0 THEN
    EXECUTE format('GRANT %s ON TABLE %s TO tenantdb_app', array_to_string(p_app_commands, ', '), p_table);
  END IF;
END $$;
--> statement-breakpoint
-- Declares (or re-declares) a table global, with its reason, for `tenantdb verify`.
CREATE OR REPLACE FUNCTION tenantdb.declare_global_table(p_table regclass, p_reason text) RETURNS void
  LANGUAGE sql SET search_path = pg_catalog, pg_temp
  AS $$
  INSERT INTO tenantdb.global_tables (table_name, reason)
  SELECT n.nspname || '.' || c.relname, p_reason FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = p_table
  ON CONFLICT (table_name) DO UPDATE SET reason = EXCLUDED.reason
$$;
--> statement-breakpoint
-- Migration status is not secret: health checks on the application connection may read it.
GRANT SELECT ON TABLE tenantdb.migrations TO tenantdb_app;
