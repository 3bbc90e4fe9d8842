import { and, count, eq, getTableName, type InferInsertModel, type InferSelectModel, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { OrmTransaction, StatementOrm } from '../db/database.ts';
import { IsolationError } from '../errors.ts';
import * as schema from '../schema/index.ts';
import { tableInfo } from './registry.ts';
import { validateValues } from './validate-values.ts';

type Schema = typeof schema;

/** The schema exports that are tenant tables (declared through tenantTable()). */
export type TenantTableKey = {
  [K in keyof Schema]: Schema[K] extends PgTable & { tenantId: PgColumn; id: PgColumn } ? K : never;
}[keyof Schema] &
  keyof OrmTransaction['query'];

type TableOf<K extends TenantTableKey> = Schema[K] & PgTable & { tenantId: PgColumn; id: PgColumn };
// InferSelectModel of the exact table type: intersecting with PgTable first would widen the columns.
type ModelOf<K extends TenantTableKey> = Schema[K] extends PgTable ? Schema[K] : never;
export type Row<K extends TenantTableKey> = InferSelectModel<ModelOf<K>>;
/** Insert values; `tenantId` may be left out (the context supplies it) but must match if given. */
export type NewRow<K extends TenantTableKey> = InferInsertModel<ModelOf<K>>;
type FindManyConfig<K extends TenantTableKey> = NonNullable<Parameters<OrmTransaction['query'][K]['findMany']>[0]>;
type FindFirstConfig<K extends TenantTableKey> = NonNullable<Parameters<OrmTransaction['query'][K]['findFirst']>[0]>;

/**
 * Layer 1, the application layer: every read adds `tenant_id = <context>` itself, every write
 * supplies the context's tenant id and refuses a conflicting one. It holds on its own, even on a
 * connection that bypasses RLS; RLS (layer 2) holds on its own for raw SQL.
 */
export interface ScopedTable<K extends TenantTableKey> {
  findMany(config?: FindManyConfig<K>): Promise<Row<K>[]>;
  findFirst(config?: FindFirstConfig<K>): Promise<Row<K> | undefined>;
  count(where?: SQL): Promise<number>;
  insert(values: NewRow<K>): Promise<Row<K>>;
  insert(values: NewRow<K>[]): Promise<Row<K>[]>;
  update(set: Partial<NewRow<K>>, where?: SQL): Promise<Row<K>[]>;
  delete(where?: SQL): Promise<Row<K>[]>;
  /** Insert, or update on conflict with `target` (default: the primary key (tenant_id, id)). */
  upsert(values: NewRow<K>, options?: { target?: PgColumn[]; set?: Partial<NewRow<K>> }): Promise<Row<K>>;
}

export type ScopedApi = { readonly [K in TenantTableKey]: ScopedTable<K> };

/** Runs one operation on a transaction that already has the tenant context open. */
export type Runner = <R>(operation: (tx: StatementOrm) => Promise<R>) => Promise<R>;

const tenantKeys = (Object.keys(schema) as (keyof Schema)[]).filter((key) => {
  const value = schema[key] as unknown;
  return (
    typeof value === 'object' &&
    value !== null &&
    'tenantId' in value &&
    tableInfo(getTableName(value as unknown as PgTable))?.kind === 'tenant'
  );
}) as TenantTableKey[];

export function createScopedApi(tenantId: string, run: Runner): ScopedApi {
  const api = {} as Record<TenantTableKey, unknown>;
  for (const key of tenantKeys) api[key] = scopedTable(key, tenantId, run);
  return api as ScopedApi;
}

function scopedTable<K extends TenantTableKey>(key: K, tenantId: string, run: Runner): ScopedTable<K> {
  const table = schema[key] as TableOf<K>;
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
  const query = (tx: StatementOrm) =>
    tx.query[key] as unknown as {
      findMany(config: unknown): Promise<Row<K>[]>;
      findFirst(config: unknown): Promise<Row<K> | undefined>;
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
    insert: (async (values: NewRow<K> | NewRow<K>[]) => {
      // Bad input is refused before any SQL (even before a tenant client opens its transaction).
      const list = (Array.isArray(values) ? values : [values]).map((v) => checkTenant(v as Record<string, unknown>));
      for (const row of list) validateValues(name, row);
      return run(async (tx) => {
        if (list.length === 0) return [];
        const rows = (await tx
          .insert(table)
          .values(list as never)
          .returning()) as Row<K>[];
        return Array.isArray(values) ? rows : rows[0];
      });
    }) as ScopedTable<K>['insert'],
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
          .returning()) as Row<K>[];
      });
    },
    delete: (where) => run(async (tx) => (await tx.delete(table).where(scope(where)).returning()) as Row<K>[]),
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
          .returning()) as Row<K>[];
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
