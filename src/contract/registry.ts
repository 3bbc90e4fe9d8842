import { getTableName } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';

/** Commands a tenant table grants to the application role (each its own permissive policy). */
export type TableCommand = 'select' | 'insert' | 'update' | 'delete';

export interface TenantTableInfo {
  readonly kind: 'tenant';
  readonly name: string;
  readonly table: PgTable;
  readonly commands: readonly TableCommand[];
  /** Whether changes are written to audit_logs by trigger, and which columns are redacted. */
  readonly audit: { readonly redact: readonly string[] } | undefined;
}

export interface GlobalTableInfo {
  readonly kind: 'global';
  readonly name: string;
  readonly table: PgTable;
  /** Why this table is not tenant-scoped, and what the application role may do with it. */
  readonly reason: string;
  /**
   * When declared: the commands the application role is granted, applied by the generated
   * contract (RLS forced, nothing for PUBLIC). Undefined: the table's migrations set its grants.
   */
  readonly appCommands: readonly TableCommand[] | undefined;
}

export type TableInfo = TenantTableInfo | GlobalTableInfo;

// Filled as schema modules are evaluated: every table is declared through tenantTable() or
// globalTable(), so this registry is the complete list by construction.
const tables = new Map<string, TableInfo>();

export function registerTable(info: TableInfo): void {
  if (tables.has(info.name)) throw new Error(`tenantdb: table "${info.name}" is declared twice`);
  tables.set(info.name, info);
}

/** Every tenant-scoped table, parents before children. */
export function tenantTables(): TenantTableInfo[] {
  const all = [...tables.values()].filter((t): t is TenantTableInfo => t.kind === 'tenant');
  const byName = new Map(all.map((t) => [t.name, t]));
  const ordered: TenantTableInfo[] = [];
  const seen = new Set<string>();
  const visit = (t: TenantTableInfo): void => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const parent of parentsOf(t.table)) {
      const p = byName.get(parent);
      if (p && p !== t) visit(p);
    }
    ordered.push(t);
  };
  all.forEach(visit);
  return ordered;
}

export function globalTables(): GlobalTableInfo[] {
  return [...tables.values()].filter((t): t is GlobalTableInfo => t.kind === 'global');
}

export function tableInfo(name: string): TableInfo | undefined {
  return tables.get(name);
}

/**
 * The tenant tables `table` references through composite `(tenant_id, x)` foreign keys (declared
 * with tenantReference()), by name: derived from the table itself, never listed by hand.
 */
export function parentsOf(table: PgTable): string[] {
  return getTableConfig(table).foreignKeys.flatMap((fk) => {
    const ref = fk.reference();
    const parent = getTableName(ref.foreignTable);
    return ref.columns.length === 2 && ref.columns[0]?.name === 'tenant_id' && tables.get(parent)?.kind === 'tenant'
      ? [parent]
      : [];
  });
}
