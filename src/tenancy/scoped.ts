import { and, count, eq, getTableName, type InferInsertModel, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { tableInfo } from '../contract/registry.ts';
import type { OrmTransaction, Schema, StatementOrm } from '../db/database.ts';
import { IsolationError } from '../errors.ts';
import { validateValues } from './validate-values.ts';

/** The schema's exports that are tenant tables (declared through tenantTable()). */
export type TenantTableKey<TSchema extends Schema> = {
  [K in keyof TSchema]: TSchema[K] extends PgTable & { tenantId: PgColumn; id: PgColumn } ? K : never;
}[keyof TSchema] &
  keyof OrmTransaction<TSchema>['query'] &
  string;

type TableOf<TSchema extends Schema, K extends TenantTableKey<TSchema>> = TSchema[K] &
  PgTable & { tenantId: PgColumn; id: PgColumn };
// InferSelectModel of the exact table type: intersecting with PgTable first would widen the columns.
type ModelOf<TSchema extends Schema, K extends TenantTableKey<TSchema>> = TSchema[K] extends PgTable
  ? TSchema[K]
  : never;
export type Row<TSchema extends Schema, K extends TenantTableKey<TSchema>> = InferSelectModel<ModelOf<TSchema, K>>;
/** Insert values; `tenantId` may be left out (the context supplies it) but must match if given. */
export type NewRow<TSchema extends Schema, K extends TenantTableKey<TSchema>> = InferInsertModel<ModelOf<TSchema, K>>;
type QueryOf<TSchema extends Schema, K extends TenantTableKey<TSchema>> = OrmTransaction<TSchema>['query'][K];
type FindManyConfig<TSchema extends Schema, K extends TenantTableKey<TSchema>> =
  QueryOf<TSchema, K> extends { findMany(config?: infer C): unknown } ? NonNullable<C> : never;
type FindFirstConfig<TSchema extends Schema, K extends TenantTableKey<TSchema>> =
  QueryOf<TSchema, K> extends { findFirst(config?: infer C): unknown } ? NonNullable<C> : never;

/**
 * Layer 1, the application layer: every read adds `tenant_id = <context>` itself, every write
 * supplies the context's tenant id and refuses a conflicting one. It holds on its own, even on a
 * connection that bypasses RLS; RLS (layer 2) holds on its own for raw SQL.
 */
export interface ScopedTable<TSchema extends Schema, K extends TenantTableKey<TSchema>> {
  findMany(config?: FindManyConfig<TSchema, K>): Promise<Row<TSchema, K>[]>;
  findFirst(config?: FindFirstConfig<TSchema, K>): Promise<Row<TSchema, K> | undefined>;
  count(where?: SQL): Promise<number>;
  insert(values: NewRow<TSchema, K>): Promise<Row<TSchema, K>>;
  insert(values: NewRow<TSchema, K>[]): Promise<Row<TSchema, K>[]>;
  update(set: Partial<NewRow<TSchema, K>>, where?: SQL): Promise<Row<TSchema, K>[]>;
  delete(where?: SQL): Promise<Row<TSchema, K>[]>;
  /** Insert, or update on conflict with `target` (default: the primary key (tenant_id, id)). */
  upsert(
    values: NewRow<TSchema, K>,
    options?: { target?: PgColumn[]; set?: Partial<NewRow<TSchema, K>> },
  ): Promise<Row<TSchema, K>>;
}

export type ScopedApi<TSchema extends Schema> = {
  readonly [K in TenantTableKey<TSchema>]: ScopedTable<TSchema, K>;
};

/** Runs one operation on a transaction that already has the tenant context open. */
export type Runner<TSchema extends Schema> = <R>(operation: (tx: StatementOrm<TSchema>) => Promise<R>) => Promise<R>;

// The tenant-table keys of each schema object, computed once per schema.
const keysOf = new WeakMap<object, string[]>();

function tenantKeys(schema: Schema): string[] {
  let keys = keysOf.get(schema);
  if (keys === undefined) {
    keys = Object.keys(schema).filter((key) => {
      const value = schema[key];
      return (
        typeof value === 'object' &&
        value !== null &&
        'tenantId' in value &&
        tableInfo(getTableName(value as unknown as PgTable))?.kind === 'tenant'
      );
    });
    keysOf.set(schema, keys);
  }
  return keys;
}

export function createScopedApi<TSchema extends Schema>(
  schema: TSchema,
  tenantId: string,
  run: Runner<TSchema>,
): ScopedApi<TSchema> {
  const api: Record<string, unknown> = {};
  for (const key of tenantKeys(schema)) {
    api[key] = scopedTable(schema, key as TenantTableKey<TSchema>, tenantId, run);
  }
  return Object.freeze(api) as ScopedApi<TSchema>;
}

function scopedTable<TSchema extends Schema, K extends TenantTableKey<TSchema>>(
  schema: TSchema,
  key: K,
  tenantId: string,
  run: Runner<TSchema>,
): ScopedTable<TSchema, K> {
  type R = Row<TSchema, K>;
  type N = NewRow<TSchema, K>;
  const table = schema[key] as TableOf<TSchema, K>;
  const name = getTableName(table);
  const own = eq(table.tenantId, tenantId);
  const scope = (where?: SQL): SQL => (where ? (and(own, where) as SQL) : own);

  const checkTenant = (values: Record<string, unknown>): Record<string, unknown> => {
    const given = values.tenantId;
    if (given !== undefined && given !== tenantId) {
      throw new IsolationError(
        'TENANT_MISMATCH',
        `Refused: ${name} row names tenant ${String(given)} but the open context is tenant ${tenantId}. Leave tenantId out (the context supplies it) or open that tenant's context.`,
      );
    }
    return { ...values, tenantId };
  };

  const scopeConfig = <C extends { where?: unknown }>(config: C | undefined): C => {
    const userWhere = config?.where;
    return {
      ...(config ?? ({} as C)),
      where: (fields: Record<string, PgColumn>, ops: { and: typeof and; eq: typeof eq }) => {
        const extra =
          typeof userWhere === 'function'
            ? (userWhere as (f: unknown, o: unknown) => SQL | undefined)(fields, ops)
            : (userWhere as SQL | undefined);
        return ops.and(ops.eq(fields.tenantId as PgColumn, tenantId), extra);
      },
    };
  };

  // The relational query builder for this table on a given transaction.
  const query = (tx: StatementOrm<TSchema>) =>
    tx.query[key] as unknown as {
      findMany(config: unknown): Promise<R[]>;
      findFirst(config: unknown): Promise<R | undefined>;
    };

  return {
    findMany: (config) => run((tx) => query(tx).findMany(scopeConfig(config))),
    findFirst: (config) => run((tx) => query(tx).findFirst(scopeConfig(config))),
    count: (where) =>
      run(async (tx) => {
        const [row] = await tx
          .select({ n: count() })
          .from(table as PgTable)
          .where(scope(where));
        return row?.n ?? 0;
      }),
    insert: (async (values: N | N[]) => {
      // Bad input is refused before any SQL (even before a tenant client opens its transaction).
      const list = (Array.isArray(values) ? values : [values]).map((v) => checkTenant(v as Record<string, unknown>));
      for (const row of list) validateValues(name, row);
      return run(async (tx) => {
        if (list.length === 0) return [];
        const rows = (await tx
          .insert(table)
          .values(list as never)
          .returning()) as R[];
        return Array.isArray(values) ? rows : rows[0];
      });
    }) as ScopedTable<TSchema, K>['insert'],
    update: async (set, where) => {
      const values = set as Record<string, unknown>;
      if (values.tenantId !== undefined) checkTenant(values);
      const { tenantId: _ignored, ...rest } = values;
      validateValues(name, rest);
      return run(async (tx) => {
        return (await tx
          .update(table)
          .set(rest as never)
          .where(scope(where))
          .returning()) as R[];
      });
    },
    delete: (where) => run(async (tx) => (await tx.delete(table).where(scope(where)).returning()) as R[]),
    upsert: async (values, options = {}) => {
      const row = checkTenant(values as Record<string, unknown>);
      const target = options.target ?? [table.id];
      const { tenantId: _t, id: _i, ...updatable } = (options.set ?? row) as Record<string, unknown>;
      if (options.set && (options.set as Record<string, unknown>).tenantId !== undefined) {
        checkTenant(options.set as Record<string, unknown>);
      }
      validateValues(name, row);
      if (options.set) validateValues(name, updatable);
      return run(async (tx) => {
        const [result] = (await tx
          .insert(table)
          .values(row as never)
          .onConflictDoUpdate({
            target: [table.tenantId, ...target.filter((c) => c !== table.tenantId)],
            set: updatable as never,
            // Never touch a conflicting row of another tenant, even on an RLS-bypassing connection.
            setWhere: own,
          })
          .returning()) as R[];
        if (!result) {
          throw new IsolationError(
            'TENANT_MISMATCH',
            `Refused: the ${name} row that conflicts with this upsert belongs to another tenant.`,
          );
        }
        return result;
      });
    },
  };
}
