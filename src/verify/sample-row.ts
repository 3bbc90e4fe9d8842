/**
 * The rows the live probe writes: a generated row for any table read from the catalogue, every
 * value bound as a parameter and cast to its column's type. Required columns without a default
 * get a plausible value of their type, references get the same tenant's parent rows or an existing
 * row of the referenced global table. What the probe could not fill is said, not hidden, so a
 * refused sample row can be explained to the user.
 */
import { randomUUID } from 'node:crypto';
import { quoteIdent } from '../contract/contract-sql.ts';
import type { ProbeColumn, ProbeTable } from './probe-tables.ts';

/** One column of a row to insert: bound as text, cast to `type`. */
export interface ColumnValue {
  column: string;
  value: string;
  type: string;
}

export interface SampleRowSources {
  /** The row's tenant, for a tenant_id column without a default (tenantTable()'s defaults to the context). */
  tenantId?: string;
  /** The key of the same tenant's sample row in each tenant table, by table name. */
  parents: ReadonlyMap<string, string>;
  /** Existing values of referenced global-table columns, by `table.column`. */
  globals: ReadonlyMap<string, string>;
}

export interface SampleRow {
  values: ColumnValue[];
  /** Required columns filled with a string guess: the probe knows no sample value of their type. */
  guessed: ProbeColumn[];
  /** Foreign keys of required columns the probe had no row to point at. */
  unresolved: { constraint: string; table: string }[];
}

let sequence = 0;

/** A new row for `table`; `set` fixes columns (by name), overriding what would be generated. */
export function sampleRow(table: ProbeTable, sources: SampleRowSources, set: Record<string, string> = {}): SampleRow {
  const row: SampleRow = { values: [], guessed: [], unresolved: [] };
  const references = new Map<string, ProbeTable['fks'][number]>();
  for (const fk of table.fks) for (const column of fk.columns) if (column !== 'tenant_id') references.set(column, fk);
  for (const column of table.columns) {
    if (column.generated) continue;
    let value: string | undefined = set[column.name];
    if (value === undefined && column.name === 'tenant_id' && !column.hasdefault) value = sources.tenantId;
    const fk = references.get(column.name);
    if (value === undefined && fk) {
      const refColumn = fk.ref_columns[fk.columns.indexOf(column.name)] as string;
      value =
        fk.columns[0] === 'tenant_id' || sources.parents.has(fk.ref_table)
          ? sources.parents.get(fk.ref_table)
          : sources.globals.get(`${fk.ref_table}.${refColumn}`);
      if (value === undefined) {
        if (column.notnull && !column.hasdefault) row.unresolved.push({ constraint: fk.name, table: fk.ref_table });
        continue;
      }
    }
    if (value === undefined && column.notnull && !column.hasdefault) {
      const sample = sampleValue(column);
      if (sample.guessed) row.guessed.push(column);
      value = sample.value;
    }
    if (value === undefined) continue;
    row.values.push({ column: column.name, value, type: column.type });
  }
  return row;
}

/** The INSERT of `values` into `table`, optionally an upsert on the constraint `conflict`, optionally RETURNING a column as text. */
export function insertStatement(
  table: Pick<ProbeTable, 'name'>,
  values: ColumnValue[],
  options: { conflict?: string; returning?: string } = {},
): { sql: string; params: string[] } {
  const body =
    values.length === 0
      ? 'DEFAULT VALUES'
      : `(${values.map((v) => quoteIdent(v.column)).join(', ')}) VALUES (${values.map((v, i) => `$${i + 1}::${v.type}`).join(', ')})`;
  const upsert = options.conflict
    ? ` ON CONFLICT ON CONSTRAINT ${quoteIdent(options.conflict)} DO UPDATE SET tenant_id = EXCLUDED.tenant_id`
    : '';
  const returning = options.returning ? ` RETURNING ${quoteIdent(options.returning)}::text AS v` : '';
  return { sql: `INSERT INTO ${table.name} ${body}${upsert}${returning}`, params: values.map((v) => v.value) };
}

// Sample values must not collide with unique keys (names, hashes, one row per day): vary them.
function sampleValue(column: ProbeColumn): { value: string; guessed?: true } {
  sequence++;
  if (column.enum_label !== null) return { value: column.enum_label };
  if (column.category === 'A') return { value: '{}' };
  if (column.type.startsWith('vector')) {
    const dims = column.typmod > 0 ? column.typmod : 3;
    return { value: `[${Array.from({ length: dims }, (_, i) => (i === sequence % dims ? 1 : 0)).join(',')}]` };
  }
  switch (column.category) {
    case 'N':
      return { value: '1' };
    case 'B':
      return { value: 'true' };
    case 'D':
      return {
        value:
          column.type === 'date'
            ? new Date(Date.UTC(2001, 0, 1) + sequence * 86_400_000).toISOString().slice(0, 10)
            : new Date().toISOString(),
      };
    default: {
      if (column.type === 'uuid') return { value: randomUUID() };
      if (column.type === 'jsonb' || column.type === 'json') return { value: '{}' };
      const value = `probe-${column.name}-${sequence}-${randomUUID().slice(0, 8)}`;
      return column.category === 'S' ? { value } : { value, guessed: true };
    }
  }
}
