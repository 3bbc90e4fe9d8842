-- tenantdb bootstrap: roles, the tenantdb schema, and the two context readers every policy and
-- every tenant_id default go through. Hand-written; runs before the drizzle-kit generated tables.

-- Roles are cluster-wide while advisory locks are per database, so two databases of one cluster
-- migrating at once can race here: a duplicate is fine, anything else fails the migration.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenantdb_app') THEN
    BEGIN
      -- LOGIN without a password: usable through trust/peer auth or after ALTER ROLE … PASSWORD.
      CREATE ROLE tenantdb_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenantdb_system') THEN
    BEGIN
      CREATE ROLE tenantdb_system NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'tenantdb_app' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role tenantdb_app exists but is SUPERUSER or BYPASSRLS, so RLS would not apply to it'
      USING HINT = 'ALTER ROLE tenantdb_app NOSUPERUSER NOBYPASSRLS, then migrate again.';
  END IF;
  -- A non-superuser owner must be a member of both roles to switch to them.
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    BEGIN
      EXECUTE pg_catalog.format('GRANT tenantdb_app, tenantdb_system TO %I', current_user);
    EXCEPTION WHEN unique_violation THEN NULL;
    END;
  END IF;
END $$;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS tenantdb;
--> statement-breakpoint
GRANT USAGE ON SCHEMA tenantdb TO tenantdb_app, tenantdb_system;
--> statement-breakpoint
-- The context readers. STABLE SQL functions are inlined, and policies call them as
-- `(select tenantdb.current_tenant_id())`, so Postgres evaluates them once per statement.
-- After first use on a backend current_setting(…, true) returns '' rather than NULL: NULLIF.
CREATE OR REPLACE FUNCTION tenantdb.current_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(pg_catalog.current_setting('app.current_tenant_id', true), '')::uuid $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION tenantdb.current_user_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(pg_catalog.current_setting('app.current_user_id', true), '')::uuid $$;
