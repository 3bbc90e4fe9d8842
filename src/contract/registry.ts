import type { PgTable } from 'drizzle-orm/pg-core';

/** Commands a tenant table grants to the application role (each its own permissive policy). */
export type TableCommand = 'select' | 'insert' | 'update' | 'delete';

export interface TenantTableInfo {
  readonly kind: 'tenant';
  readonly name: string;
  readonly table: PgTable;
  readonly commands: readonly TableCommand[];
  /** Tenant tables this one references through composite foreign keys (for dependency order). */
  readonly parents: readonly string[];
  /** Whether changes are written to audit_logs by trigger, and which columns are redacted. */
  readonly audit: { readonly redact: readonly string[] } | undefined;
}

export interface GlobalTableInfo {
  readonly kind: 'global';
  readonly name: string;
  readonly table: PgTable;
  /** Why this table is not tenant-scoped, and what the application role may do with it. */
  readonly reason: string;
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
    for (const parent of t.parents) {
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
