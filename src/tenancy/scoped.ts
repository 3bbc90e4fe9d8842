import {
  and,
  count,
  eq,
  getTableName,
  inArray,
  type InferInsertModel,
  type InferSelectModel,
  type SQL,
} from 'drizzle-orm';
import { getTableConfig, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { tableInfo } from '../contract/registry.ts';
import type { OrmTransaction, Schema, StatementOrm } from '../db/database.ts';
import { IsolationError } from '../errors.ts';
import {
  byIdPlaceholders,
  cachedStatement,
  type CachedStatement,
  insertShape,
  placeholderRows,
  placeholderValues,
} from './statement-cache.ts';
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
  /**
   * The row with this id, or undefined: the primary-key lookup, one statement built once per
   * table (findFirst builds its SQL on every call).
   */
  get(id: Row<TSchema, K>['id']): Promise<Row<TSchema, K> | undefined>;
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

const keySetOf = new WeakMap<object, Set<string>>();

function tenantKeySet(schema: Schema): Set<string> {
  let set = keySetOf.get(schema);
  if (set === undefined) {
    set = new Set(tenantKeys(schema));
    keySetOf.set(schema, set);
  }
  return set;
}

/** A child table's reference declared `tenantReference(…, 'set null')`: `(tenant_id, column)`. */
interface SetNullReference {
  child: PgTable & { tenantId: PgColumn };
  /** The reference column's key in the child table object (for `.set()`). */
  key: string;
  column: PgColumn;
}

// The set-null references to each parent table among a schema's tenant tables, computed once.
const setNullOf = new WeakMap<object, Map<string, SetNullReference[]>>();

/**
 * The references of the schema's tenant tables to `parent` whose foreign key says ON DELETE SET
 * NULL. On Citus those keys are NO ACTION (it refuses SET NULL on a key that holds the
 * distribution column), so the scoped API's delete nulls them itself.
 */
function setNullReferences(schema: Schema, parent: PgTable): SetNullReference[] {
  let byParent = setNullOf.get(schema);
  if (byParent === undefined) {
    byParent = new Map();
    for (const childKey of tenantKeys(schema)) {
      const child = schema[childKey] as PgTable & { tenantId: PgColumn };
      for (const fk of getTableConfig(child).foreignKeys) {
        if (fk.onDelete !== 'set null') continue;
        const ref = fk.reference();
        const [first, column] = ref.columns;
        if (ref.columns.length !== 2 || first?.name !== 'tenant_id' || column === undefined) continue;
        // The reference names the column by an extra-config copy: find the table's own column.
        const own = Object.entries(child).find(
          (entry): entry is [string, PgColumn] =>
            typeof entry[1] === 'object' && entry[1] !== null && (entry[1] as PgColumn).name === column.name,
        );
        if (own === undefined) continue;
        const parentName = getTableName(ref.foreignTable);
        byParent.set(parentName, [...(byParent.get(parentName) ?? []), { child, key: own[0], column: own[1] }]);
      }
    }
    setNullOf.set(schema, byParent);
  }
  return byParent.get(getTableName(parent)) ?? [];
}

/**
 * The scoped API of one tenant: each table's object is built on first use and kept, so a tenant
 * client made per request pays for the tables it touches, not for every table of the schema.
 * It lists every tenant table (`Object.keys`, `in`) like a plain frozen object, and refuses writes.
 */
export function createScopedApi<TSchema extends Schema>(
  schema: TSchema,
  tenantId: string,
  run: Runner<TSchema>,
): ScopedApi<TSchema> {
  return new Proxy(new ScopedTables(schema, tenantId, run), scopedTablesHandler) as unknown as ScopedApi<TSchema>;
}

// The proxy's target: the tables built so far, and what builds the rest.
class ScopedTables<TSchema extends Schema> {
  readonly built = new Map<string, unknown>();
  constructor(
    readonly schema: TSchema,
    readonly tenantId: string,
    readonly run: Runner<TSchema>,
  ) {}

  table(key: string | symbol): unknown {
    if (typeof key !== 'string' || !tenantKeySet(this.schema).has(key)) return undefined;
    let table = this.built.get(key);
    if (table === undefined) {
      table = scopedTable(this.schema, key as TenantTableKey<TSchema>, this.tenantId, this.run);
      this.built.set(key, table);
    }
    return table;
  }
}

// One handler for every scoped API (it keeps no state of its own).
const scopedTablesHandler: ProxyHandler<ScopedTables<Schema>> = {
  get: (target, key) => target.table(key),
  has: (target, key) => typeof key === 'string' && tenantKeySet(target.schema).has(key),
  ownKeys: (target) => [...tenantKeys(target.schema)],
  getOwnPropertyDescriptor: (target, key) => {
    const value = target.table(key);
    return value === undefined ? undefined : { value, enumerable: true, configurable: true, writable: false };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

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
  let ownFilter: SQL | undefined;
  const own = (): SQL => (ownFilter ??= eq(table.tenantId, tenantId));
  const scope = (where?: SQL): SQL => (where ? (and(own(), where) as SQL) : own());

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
    get: (id) =>
      run(async (tx) => {
        const statement = cachedStatement<R[]>(
          tx,
          `${name}:get`,
          () =>
            tx
              .select()
              .from(table as PgTable)
              .where(byIdPlaceholders(table))
              .limit(1)
              .prepare('') as unknown as CachedStatement<R[]>,
        );
        return (await statement.execute({ tenantId, id }))[0];
      }),
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
      const shape = insertShape(list);
      return run(async (tx) => {
        if (list.length === 0) return [];
        // The statement of this shape (columns given, row count) is built once (statement-cache.ts).
        const rows =
          shape === undefined
            ? ((await tx
                .insert(table)
                .values(list as never)
                .returning()) as R[])
            : await cachedStatement<R[]>(
                tx,
                `${name}:insert:${list.length}:${shape.join(',')}`,
                () =>
                  tx
                    .insert(table)
                    .values(placeholderRows(shape, list.length) as never)
                    .returning()
                    .prepare('') as unknown as CachedStatement<R[]>,
              ).execute(placeholderValues(table, shape, list));
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
    delete: (where) =>
      run(async (tx) => {
        const references = setNullReferences(schema, table);
        if (references.length === 0) return (await tx.delete(table).where(scope(where)).returning()) as R[];
        // One statement: the delete, and (in the same statement, before its foreign keys are
        // checked at its end) the set-null references to the rows it deleted, nulled. Only rows
        // the delete removed (RLS and RBAC decide which) lose their references. Where the key is
        // ON DELETE SET NULL (column) itself (PGlite, PostgreSQL) it then finds nothing left to null.
        type Cte = Parameters<typeof tx.with>[0];
        const deleted = tx
          .$with('tenantdb_deleted')
          .as(tx.delete(table).where(scope(where)).returning()) as unknown as Cte & { id: PgColumn };
        const nulled = references.map((ref, i) =>
          tx.$with(`tenantdb_nulled_${i}`, {}).as(
            tx
              .update(ref.child)
              .set({ [ref.key]: null } as never)
              .where(
                and(
                  eq(ref.child.tenantId, tenantId),
                  inArray(ref.column, tx.select({ id: deleted.id }).from(deleted as never)),
                ),
              )
              .getSQL(),
          ),
        );
        return (await tx
          .with(deleted, ...nulled)
          .select()
          .from(deleted as never)) as unknown as R[];
      }),
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
            setWhere: own(),
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
