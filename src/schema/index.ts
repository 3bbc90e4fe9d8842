/**
 * The unified schema. Every table is declared through `tenantTable()` (tenant-scoped) or
 * `globalTable()` (shared, with a stated reason); see `src/tenancy/registry.ts`.
 */
export * from './enums.ts';
export * from '../contract/tenants.ts';
export * from './identity.ts';
export * from './members.ts';
export * from './api-keys.ts';
export * from './rbac.ts';
export * from './conversations.ts';
export * from './knowledge.ts';
export * from './operations.ts';
export * from './analytics.ts';
export * from './billing.ts';
export * from './audit.ts';
export * from './relations.ts';
