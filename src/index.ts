/**
 * tenantdb — a multi-tenant PostgreSQL data layer where one tenant can never read, change or
 * reference another tenant's rows, enforced by Row-Level Security under a non-privileged role.
 *
 * Glossary
 * - tenant: an organisation using the product; every tenant-scoped row carries its `tenant_id`.
 * - member: a user's membership of a tenant (`tenant_members`), with a role and a status.
 * - context: the (tenant, user) a transaction works for, set transaction-locally by
 *   `tenantdb.open_context()`; RLS policies read it through `tenantdb.current_tenant_id()`.
 * - tenant table: declared with `tenantTable()`; composite key (tenant_id, id), forced RLS.
 * - global table: declared with `globalTable()` and a reason; shared across tenants.
 * - system context: explicit cross-tenant work as `tenantdb_system` (`withSystemContext`), logged.
 * - application role: `tenantdb_app`, the non-privileged role every tenant transaction runs as.
 */
export { createDatabase } from './db/create-database.ts';
export type { Database, CreateDatabaseOptions, Orm, OrmTransaction } from './db/database.ts';
export { checkDatabaseHealth, type DatabaseHealth } from './db/health.ts';
export { migrate, type MigrateOptions, type MigrateResult } from './migrate/migrator.ts';
export {
  createTenantClient,
  setRLSTenantContext,
  validateContext,
  withSystemContext,
  withTenantContext,
  type OpenStatus,
  type TenantClient,
  type TenantContext,
  type TenantScope,
} from './tenancy/context.ts';
export type { ScopedApi, ScopedTable, TenantTableKey } from './tenancy/scoped.ts';
export { tenantTable, tenantReference, tenantPredicate } from './tenancy/tenant-table.ts';
export { globalTable } from './tenancy/global-table.ts';
export { tenantTables, globalTables, type TableInfo } from './tenancy/registry.ts';
export { APP_ROLE, SYSTEM_ROLE } from './tenancy/roles.ts';
export { provisionTenant, addMember, setTenantStatus, type ProvisionTenantInput } from './tenants/provision.ts';
export { can, canInTransaction, requirePermission, requirePermissionInTransaction } from './rbac/can.ts';
export { createRole, assignRole, type CreateRoleInput } from './rbac/roles.ts';
export { issueApiKey, verifyApiKey, revokeApiKey, type IssuedApiKey, type VerifiedApiKey } from './tenants/api-keys.ts';
export {
  ensureTenantDataKey,
  getConnectorCredentials,
  setConnectorCredentials,
} from './secrets/connector-credentials.ts';
export { masterKey, masterKeyFromEnv, type MasterKey } from './secrets/envelope.ts';
export * from './errors.ts';
