import { pgTable, type PgColumnBuilderBase, type PgTableExtraConfigValue } from 'drizzle-orm/pg-core';
import type { BuildExtraConfigColumns } from 'drizzle-orm';
import { registerTable, type TableCommand } from './registry.ts';

export interface GlobalTableConfig<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>> {
  /** Why this table holds rows shared across tenants; shown by `tenantdb verify`. */
  reason: string;
  /**
   * The commands the application role may run on it (its policies decide which rows). Given,
   * the generated contract forces RLS and grants exactly these; left out, the table's own
   * migrations manage its grants (tenantdb's own global tables do).
   */
  appCommands?: readonly TableCommand[];
  /** Indexes, constraints and the table's own policies (global tables write their own). */
  extra?: (t: BuildExtraConfigColumns<TName, TColumns, 'pg'>) => PgTableExtraConfigValue[];
}

/**
 * Declares a table that is deliberately *not* tenant-scoped (identity, the permissions catalogue,
 * the tenants themselves). It must say why, and it brings its own policies or no grants to the
 * application role. A table declared neither through this nor {@link tenantTable} fails
 * `tenantdb verify` and the schema test.
 */
export function globalTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  config: GlobalTableConfig<TName, TColumns>,
) {
  const table = pgTable(name, columns, (t) => config.extra?.(t) ?? []);
  registerTable({ kind: 'global', name, table, reason: config.reason, appCommands: config.appCommands });
  return table;
}
