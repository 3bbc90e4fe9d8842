-- Tables declared global (not tenant-scoped), with the reason, so `tenantdb verify` can tell a
-- deliberate global table from a tenant table that lost its tenant_id. A table of the
-- application schemas that is neither tenant-scoped nor listed here fails verification.
-- Hand-written; kept equal to the globalTable() declarations by test/drift.test.ts.
CREATE TABLE IF NOT EXISTS tenantdb.global_tables (
  table_name text PRIMARY KEY,
  reason text NOT NULL CHECK (btrim(reason) <> '')
);
--> statement-breakpoint
GRANT SELECT ON TABLE tenantdb.global_tables TO tenantdb_system;
--> statement-breakpoint
INSERT INTO tenantdb.global_tables (table_name, reason) VALUES
  ('public.tenants', 'the tenants themselves; the application role reads only the tenant of its open context'),
  ('public.users', 'identity is global (one user, many tenants); tenant contexts see members of their tenant only'),
  ('public.accounts', 'Auth.js OAuth accounts: identity, not tenant data; no grants to the application role'),
  ('public.auth_sessions', 'Auth.js sessions: identity, not tenant data; no grants to the application role'),
  ('public.verification_tokens', 'Auth.js email verification tokens: identity; no grants to the application role'),
  ('public.permissions', 'the permission catalogue is shared by all tenants; the application role may only read it'),
  ('public.global_knowledge_documents', 'platform-wide knowledge readable by every tenant; written only in the system context'),
  ('public.global_knowledge_chunks', 'chunks of the platform-wide knowledge; readable by every tenant, written only in the system context')
ON CONFLICT (table_name) DO UPDATE SET reason = EXCLUDED.reason;
