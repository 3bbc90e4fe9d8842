import { randomUUID } from 'node:crypto';
import { getTableColumns, getTableName } from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { tableInfo } from './registry.ts';

/** A foreign key of a tenant table that points at another tenant table through (tenant_id, x). */
export interface TenantForeignKey {
  /** Property name of the referencing column (e.g. `conversationId`). */
  key: string;
  column: string;
  parent: string;
  constraint: string;
}

/** The composite (tenant_id, x) → parent(tenant_id, id) references of a tenant table. */
export function tenantForeignKeys(table: PgTable): TenantForeignKey[] {
  const columns = getTableColumns(table);
  const keyOf = new Map(Object.entries(columns).map(([key, column]) => [column.name, key]));
  return getTableConfig(table).foreignKeys.flatMap((fk) => {
    const ref = fk.reference();
    const names = ref.columns.map((c) => c.name);
    const parent = getTableName(ref.foreignTable);
    if (names.length !== 2 || names[0] !== 'tenant_id' || tableInfo(parent)?.kind !== 'tenant') return [];
    const column = names[1] as string;
    return [{ key: keyOf.get(column) as string, column, parent, constraint: fk.getName() }];
  });
}

export interface RowFactoryContext {
  /** Ids of one row per parent tenant table, by table name, in the same tenant. */
  parents: ReadonlyMap<string, string>;
  /** A user id for foreign keys to `users`. */
  userId: string;
  /** Ids of existing rows of other global tables referenced (e.g. `permissions`), by table name. */
  globals?: ReadonlyMap<string, string>;
}

/**
 * A valid row for any table declared through tenantTable(), built from its column metadata:
 * required columns get a plausible value of their type, references get the given parents and
 * user. Used by the isolation tests and `tenantdb verify` to cover every table by construction.
 */
export function sampleRow(table: PgTable, context: RowFactoryContext): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const references = new Map(tenantForeignKeys(table).map((fk) => [fk.key, fk]));
  // Single-column references to global tables (users, permissions, …), by column name.
  const globalColumns = new Map(
    getTableConfig(table).foreignKeys.flatMap((fk) => {
      const ref = fk.reference();
      const target = getTableName(ref.foreignTable);
      return ref.columns.length === 1 && tableInfo(target)?.kind === 'global'
        ? [[(ref.columns[0] as PgColumn).name, target] as const]
        : [];
    }),
  );
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (key === 'tenantId' || key === 'id') continue;
    const reference = references.get(key);
    if (reference) {
      const parentId = context.parents.get(reference.parent);
      if (parentId === undefined)
        throw new Error(`sampleRow(${getTableName(table)}): no ${reference.parent} row given`);
      row[key] = parentId;
    } else if (globalColumns.has(column.name)) {
      const target = globalColumns.get(column.name) as string;
      const id = target === 'users' ? context.userId : context.globals?.get(target);
      if (id === undefined) throw new Error(`sampleRow(${getTableName(table)}): no ${target} row given`);
      row[key] = id;
    } else if (column.notNull && !column.hasDefault) {
      row[key] = sampleValue(column);
    }
  }
  return row;
}

// Sample values must not collide with unique keys (names, hashes, one row per day): vary them.
let sequence = 0;

function sampleValue(column: PgColumn): unknown {
  sequence++;
  const enumValues = (column as { enumValues?: string[] }).enumValues;
  if (enumValues && enumValues.length > 0) return enumValues[0];
  switch (column.columnType) {
    case 'PgUUID':
      return randomUUID();
    case 'PgInteger':
    case 'PgSmallInt':
    case 'PgBigInt53':
    case 'PgReal':
    case 'PgDoublePrecision':
      return 1;
    case 'PgBigInt64':
      return 1n;
    case 'PgNumeric':
      return '1';
    case 'PgBoolean':
      return true;
    case 'PgJson':
    case 'PgJsonb':
      return {};
    case 'PgTimestamp':
    case 'PgTimestampString':
      return new Date();
    case 'PgDate':
    case 'PgDateString':
      return new Date(Date.UTC(2000, 0, 1) + sequence * 86_400_000).toISOString().slice(0, 10);
    case 'PgArray':
      return [];
    case 'PgVector':
      return Array.from({ length: (column as unknown as { dimensions: number }).dimensions }, (_, i) => (i % 7) / 7);
    default:
      return `probe ${column.name} ${sequence}-${randomUUID().slice(0, 8)}`;
  }
}
