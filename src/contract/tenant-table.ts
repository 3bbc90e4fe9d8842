import { getTableName, sql, type BuildColumns, type BuildExtraConfigColumns } from 'drizzle-orm';
import {
  foreignKey,
  pgPolicy,
  pgTable,
  primaryKey,
  timestamp,
  uuid,
  type PgColumn,
  type PgColumnBuilderBase,
  type PgTableExtraConfigValue,
  type PgTableWithColumns,
} from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';
import { registerTable, type TableCommand } from './registry.ts';
import { appRole } from './roles.ts';

/**
 * The tenant predicate, in initPlan form: `(select …)` makes Postgres evaluate the context once
 * per statement, not once per row. Every tenant policy goes through this one function, so its
 * implementation can be hardened later without touching a policy.
 */
export const tenantPredicate = sql`tenant_id = (select tenantdb.current_tenant_id())`;

const ALL_COMMANDS: readonly TableCommand[] = ['select', 'insert', 'update', 'delete'];

function tenantKeyColumns() {
  return {
    tenantId: uuid('tenant_id')
      .notNull()
      .default(sql`tenantdb.current_tenant_id()`)
      .references(() => tenants.id, { onDelete: 'cascade' }),
    id: uuid('id').notNull().defaultRandom(),
  };
}

function timestampColumns() {
  return {
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  };
}

type TenantColumns<TColumns> = ReturnType<typeof tenantKeyColumns> & TColumns & ReturnType<typeof timestampColumns>;

/** A table declared through {@link tenantTable}: it always has `tenantId` and `id`. */
export interface AnyTenantTable {
  tenantId: PgColumn;
  id: PgColumn;
  _: { name: string };
}

export interface TenantTableConfig<TName extends string, TColumns> {
  /**
   * Commands the application role may run (one permissive policy each). Default: all four.
   * Append-only tables, for example, leave out 'update' and 'delete'.
   */
  commands?: readonly TableCommand[];
  /**
   * Write every insert, update and delete to audit_logs (by trigger, so raw SQL is audited too),
   * with these columns redacted. Applied by `tenantdb.audit_table()` in the migrations.
   */
  audit?: { redact?: readonly string[] };
  /** Further indexes, constraints, composite references and narrowing (restrictive) policies. */
  extra?: (t: BuildExtraConfigColumns<TName, TenantColumns<TColumns>, 'pg'>) => PgTableExtraConfigValue[];
}

/**
 * Declares a tenant-scoped table. The one way to do so: it gives the table, in one place,
 * `tenant_id uuid not null` defaulting to the current context (and referencing `tenants`), `id`,
 * the composite primary key `(tenant_id, id)` (tenant-leading, and what Citus needs),
 * `created_at`/`updated_at`, RLS with a RESTRICTIVE tenant policy (USING and WITH CHECK) and one
 * permissive policy per allowed command. FORCE RLS, grants and the `updated_at` trigger are
 * applied by `tenantdb.secure_tenant_table()` in the migrations.
 *
 * @example
 * export const notes = tenantTable('notes', { body: text('body').notNull() });
 */
export function tenantTable<TName extends string, TColumns extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  columns: TColumns,
  config: TenantTableConfig<TName, TColumns> = {},
): PgTableWithColumns<{
  name: TName;
  schema: undefined;
  dialect: 'pg';
  columns: BuildColumns<TName, TenantColumns<TColumns>, 'pg'>;
}> {
  const commands = config.commands ?? ALL_COMMANDS;
  const all = { ...tenantKeyColumns(), ...columns, ...timestampColumns() } as TenantColumns<TColumns>;
  const table = pgTable(name, all, (t) => [
    primaryKey({ name: `${name}_pkey`, columns: [t.tenantId, t.id] }),
    pgPolicy(`${name}_tenant_isolation`, {
      as: 'restrictive',
      for: 'all',
      to: 'public',
      using: tenantPredicate,
      withCheck: tenantPredicate,
    }),
    ...commands.map((command) => commandPolicy(name, command)),
    ...(config.extra?.(t) ?? []),
  ]);
  registerTable({
    kind: 'tenant',
    name,
    table,
    commands,
    audit: config.audit ? { redact: config.audit.redact ?? [] } : undefined,
  });
  return table;
}

function commandPolicy(table: string, command: TableCommand) {
  const allow = sql`true`;
  return pgPolicy(`${table}_${command}`, {
    as: 'permissive',
    for: command,
    to: appRole,
    ...(command === 'insert' ? { withCheck: allow } : { using: allow }),
    ...(command === 'update' ? { withCheck: allow } : {}),
  });
}

/**
 * A composite foreign key `(tenant_id, column) → target(tenant_id, id)`: a row can only point at
 * a row of its own tenant, whatever the ids say.
 */
export function tenantReference(
  self: { tenantId: PgColumn },
  column: PgColumn,
  target: AnyTenantTable,
  // 'set null' must be narrowed to `ON DELETE SET NULL (column)` in a hand-written migration:
  // nulling tenant_id too would violate NOT NULL. The catalogue test checks that it was.
  onDelete: 'cascade' | 'restrict' | 'no action' | 'set null' = 'cascade',
) {
  const name = `${getTableName(column.table)}_${column.name}_fkey`;
  return foreignKey({
    name,
    columns: [self.tenantId, column],
    foreignColumns: [target.tenantId, target.id],
  }).onDelete(onDelete);
}
