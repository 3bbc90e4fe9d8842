/** The runtime isolation engine: contexts, scopes, the scoped table API, value validation. */
export type { Database, OrmTransaction, Schema, StatementOrm } from '../db/database.ts';
export { rowsOf } from '../db/rows.ts';
export { isUuid, validateContext, type TenantContext } from './validate-context.ts';
export {
  requireSystemScope,
  requireTenantScope,
  type OpenStatus,
  type SystemScope,
  type TenantScope,
} from './scope.ts';
export {
  createStatementScope,
  openTenantContext,
  StatementScope,
  withTenantContext,
  type TenantStatementScope,
} from './tenant-context.ts';
export { createSystemScope, withSystemContext } from './system-context.ts';
export type { NewRow, Row, ScopedApi, ScopedTable, TenantTableKey } from './scoped.ts';
export { validateValues } from './validate-values.ts';
export {
  keyset,
  KEYSET_COLUMN,
  KEYSET_DEFAULT_LIMIT,
  KEYSET_MAX_LIMIT,
  type KeysetColumns,
  type KeysetOptions,
  type KeysetPage,
  type KeysetResult,
} from './keyset.ts';
