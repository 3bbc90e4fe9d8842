/**
 * tenantdb — a multi-tenant PostgreSQL data layer where one tenant can never read, change or
 * reference another tenant's rows, enforced by Row-Level Security under a non-privileged role.
 *
 * Glossary
 * - tenant: an organisation using the product; every tenant-scoped row carries its `tenant_id`.
 * - member: a user's membership of a tenant (`tenant_members`), with a role and a status.
 * - context: the (tenant, user) a transaction works for, set transaction-locally by
 *   `tenantdb.open_context()`; RLS policies read it through `tenantdb.current_tenant_id()`.
 * - scope: what every domain function takes first. A tenant scope (a `withTenantContext`
 *   callback's, or a tenant client) works for one tenant under RLS; a system scope (a
 *   `withSystemContext` callback's, or a system client) does logged cross-tenant work.
 * - tenant client: a tenant scope whose every call is its own short transaction; tables under
 *   `tables`, modules under their namespaces (`apiKeys`, `rbac`, `secrets`).
 * - tenant table: declared with `tenantTable()`; composite key (tenant_id, id), forced RLS.
 * - global table: declared with `globalTable()` and a reason; shared across tenants.
 * - system context: explicit cross-tenant work as `tenantdb_system`, logged with its reason.
 * - application role: `tenantdb_app`, the non-privileged role every tenant transaction runs as.
 * - application / system connection: the two logins of a `split` database (`tenantdb_app` for
 *   tenant work, the owner for system work); PGlite and a single URL are `single`.
 *
 * Module rules (docs/ARCHITECTURE.md has the why)
 * 1. A domain function's first argument is a scope; it never opens a private transaction: it
 *    calls `scope.transaction(fn)`, which joins the caller's transaction when there is one.
 * 2. Clients expose modules under namespaces, never mixed with table keys or verbs.
 * 3. A module's SQL lives in the module; values bound; the explicit `tenant_id` predicate always.
 * 4. Each module has a subpath export, a docs page, and tests on every backend.
 * 5. Money is exact; times are timestamptz; lists use keyset pagination on (created_at, id).
 */
export { createDatabase, type BuiltinSchema } from './client/create-database.ts';
export type {
  ConnectionMode,
  CreateDatabaseOptions,
  Database,
  Orm,
  OrmTransaction,
  Schema,
  StatementOrm,
} from './db/database.ts';
export { createTenantClient, type TenantClient } from './client/tenant-client.ts';
export { createSystemClient, type SystemClient } from './client/system-client.ts';
export { checkDatabaseHealth, type DatabaseHealth } from './migrate/health.ts';
export { migrationStatus, type MigrationFileStatus, type MigrationStatus } from './migrate/status.ts';
export { migrate, type MigrateOptions, type MigrateResult } from './migrate/migrator.ts';
export { distribute, type DistributeOptions, type DistributeResult } from './migrate/distribute.ts';
export { verify, type CheckItem, type VerifyOptions, type VerifyReport } from './verify/index.ts';
export { schemaContract } from './contract/contract-sql.ts';
export {
  openTenantContext,
  validateContext,
  withSystemContext,
  withTenantContext,
  keyset,
  KEYSET_DEFAULT_LIMIT,
  KEYSET_MAX_LIMIT,
  type KeysetColumns,
  type KeysetOptions,
  type KeysetPage,
  type KeysetResult,
  type NewRow,
  type OpenStatus,
  type Row,
  type ScopedApi,
  type ScopedTable,
  type SystemScope,
  type TenantContext,
  type TenantScope,
  type TenantStatementScope,
  type TenantTableKey,
} from './tenancy/index.ts';
export { tenantTable, tenantReference, tenantPredicate } from './contract/tenant-table.ts';
export { globalTable } from './contract/global-table.ts';
export { tenantTables, globalTables, type TableInfo } from './contract/registry.ts';
export { APP_ROLE, SYSTEM_ROLE } from './contract/roles.ts';
export {
  provisionTenant,
  addMember,
  setTenantStatus,
  setTenantTimeZone,
  type ProvisionTenantInput,
} from './tenants/index.ts';
export {
  can,
  requirePermission,
  createRole,
  assignRole,
  listMembers,
  type CreateRoleInput,
  type ListMembersOptions,
  type Member,
} from './rbac/index.ts';
export { issueApiKey, verifyApiKey, revokeApiKey, type IssuedApiKey, type VerifiedApiKey } from './api-keys/index.ts';
export {
  ensureTenantDataKey,
  getConnectorCredentials,
  setConnectorCredentials,
  masterKey,
  masterKeyFromEnv,
  type MasterKey,
} from './secrets/index.ts';
export {
  budgetStatus,
  checkBudgets,
  checkMoney,
  costSummary,
  fromMicros,
  listBudgetAlerts,
  onBudgetAlert,
  rebuildCostTotals,
  recordCost,
  recordCosts,
  rollupCosts,
  setBudget,
  toMicros,
  BUDGET_ALERT_CHANNEL,
  type Budget,
  type BudgetAlert,
  type BudgetStatus,
  type CostEvent,
  type CostEventInput,
  type CostService,
  type CostSummary,
} from './billing/index.ts';
export {
  recordUsageSnapshots,
  snapshotUsage,
  usage,
  type UsageReport,
  type UsageSnapshot,
  type UsageSnapshotInput,
} from './usage/index.ts';
export {
  createInsight,
  eventCounts,
  listInsights,
  recordAnalyticsSnapshots,
  snapshotTrend,
  trackEvents,
  upsertDailySnapshot,
  type AnalyticsEventInput,
  type AnalyticsSnapshot,
  type AnalyticsSnapshotInput,
  type DailySnapshotInput,
  type EventCount,
  type EventCountsInput,
  type InsightInput,
  type ListInsightsOptions,
  type ModuleInsight,
  type SnapshotTrendInput,
  type TrendMetric,
  type TrendPoint,
} from './analytics/index.ts';
export {
  cancelQueuedTask,
  cancelTask,
  checkTaskResult,
  claimTasks,
  completeAndClaim,
  completeTasks,
  createWorker,
  enqueue,
  enqueueMany,
  failTask,
  heartbeatTasks,
  listQueue,
  listTasks,
  queueCounts,
  recordAgentResults,
  releaseTasks,
  retryDelay,
  retryTask,
  TASK_CHANNEL,
  type AgentResult,
  type AgentResultInput,
  type ClaimedTask,
  type ClaimInput,
  type CompleteAndClaimInput,
  type EnqueueInput,
  type FailOutcome,
  type HeldTask,
  type ListTasksOptions,
  type QueueFilter,
  type RetryPolicy,
  type Task,
  type TaskHandler,
  type TaskPriority,
  type TaskResult,
  type TaskStatus,
  type Worker,
  type WorkerEvent,
  type WorkerOptions,
} from './tasks/index.ts';
export {
  listConversations,
  listMessages,
  type Conversation,
  type ListConversationsOptions,
  type ListMessagesOptions,
  type Message,
  type Persona,
} from './conversations/index.ts';
export {
  addDocument,
  addDocuments,
  addGlobalDocument,
  chunkText,
  embed,
  httpEmbedder,
  localEmbedder,
  reembedKnowledge,
  removeDocument,
  search as searchKnowledge,
  updateDocument,
  type ChunkOptions,
  type DocumentInput,
  type Embedder,
  type HttpEmbedderOptions,
  type IngestedDocument,
  type IngestOptions,
  type SearchInput,
  type SearchResult,
} from './knowledge/index.ts';
export * from './errors.ts';
