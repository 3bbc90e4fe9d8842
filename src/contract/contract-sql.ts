/**
 * The per-table contract SQL, generated from the registry: what drizzle-kit cannot express for a
 * table declared through tenantTable() or globalTable(). One statement list serves tenantdb's own
 * schema and the user's; `migrate()` applies it after the migrations, under the migration lock.
 *
 * Every statement calls an idempotent function of migration 0009 (or 0002/0005), with the table
 * as a `regclass` literal: running the list again changes nothing, so it is safe on every migrate
 * and needs no ledger of its own. Identifiers are quoted by `quoteIdent`/`quoteLiteral` (never
 * spliced raw); the inputs are declared names, not user data.
 */
import { getTableName } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { tableInfo, type TableInfo } from './registry.ts';

/** `"name"`, with embedded quotes doubled. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `'text'`, with embedded quotes doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function regclass(table: PgTable): string {
  const schema = getTableConfig(table).schema ?? 'public';
  return `${quoteLiteral(`${quoteIdent(schema)}.${quoteIdent(getTableName(table))}`)}::regclass`;
}

function textArray(values: readonly string[]): string {
  return values.length === 0 ? `'{}'::text[]` : `ARRAY[${values.map(quoteLiteral).join(', ')}]::text[]`;
}

/** The contract statements of one declared table, in the order they must run. */
export function contractStatements(info: TableInfo): string[] {
  const table = regclass(info.table);
  if (info.kind === 'global') {
    return [
      `SELECT tenantdb.declare_global_table(${table}, ${quoteLiteral(info.reason)})`,
      ...(info.appCommands === undefined
        ? []
        : [`SELECT tenantdb.secure_global_table(${table}, ${textArray(info.appCommands)})`]),
    ];
  }
  const statements = [
    `SELECT tenantdb.secure_tenant_table(${table}, ${textArray(info.commands)})`,
    `SELECT tenantdb.ensure_write_policies(${table})`,
  ];
  for (const fk of getTableConfig(info.table).foreignKeys) {
    const ref = fk.reference();
    const [first, column] = ref.columns;
    if (fk.onDelete === 'set null' && ref.columns.length === 2 && first?.name === 'tenant_id' && column) {
      statements.push(
        `SELECT tenantdb.narrow_set_null(${table}, ${quoteLiteral(fk.getName())}, ${quoteLiteral(column.name)}, ${regclass(ref.foreignTable)})`,
      );
    }
  }
  if (info.audit) statements.push(`SELECT tenantdb.audit_table(${table}, ${textArray(info.audit.redact)})`);
  return statements;
}

/**
 * The contract statements of every declared table of `schema` (a Drizzle schema object), tenant
 * tables parents first. Values of the schema that are not declared tables (enums, relations,
 * tables declared with plain pgTable) are skipped: `tenantdb verify` reports the last.
 */
export function schemaContract(schema: Record<string, unknown>): string[] {
  const infos = new Map<string, TableInfo>();
  for (const value of Object.values(schema)) {
    if (typeof value !== 'object' || value === null) continue;
    let name: string;
    try {
      name = getTableName(value as PgTable);
    } catch {
      continue;
    }
    const info = typeof name === 'string' ? tableInfo(name) : undefined;
    if (info !== undefined && info.table === value) infos.set(name, info);
  }
  const ordered = orderByParents([...infos.values()]);
  return ordered.flatMap(contractStatements);
}

function orderByParents(infos: TableInfo[]): TableInfo[] {
  const byName = new Map(infos.map((info) => [info.name, info]));
  const out: TableInfo[] = [];
  const seen = new Set<string>();
  const visit = (info: TableInfo): void => {
    if (seen.has(info.name)) return;
    seen.add(info.name);
    for (const fk of getTableConfig(info.table).foreignKeys) {
      const parent = byName.get(getTableName(fk.reference().foreignTable));
      if (parent && parent !== info) visit(parent);
    }
    out.push(info);
  };
  infos.forEach(visit);
  return out;
}
