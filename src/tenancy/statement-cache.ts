/**
 * The scoped API's statements built once per shape. Drizzle spends 60–140 µs building the SQL
 * of a one-row select or insert, more than the statement takes on the server; a statement of a
 * given shape (the table, the operation, the columns given, the row count) is the same text
 * every time, only its values differ. So it is built once with placeholders, prepared on the
 * Drizzle instance that runs it, and executed with the values.
 *
 * The prepared statements are unnamed: each execution parses on the server as before (named
 * statements do not survive PgBouncer in transaction mode), so nothing is kept on a connection.
 * The cache is per Drizzle instance: the tenant client's statement instance lives as long as its
 * database, a `withTenantContext` transaction's only as long as the transaction.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { StatementOrm } from '../db/database.ts';

/** What `.prepare()` hands back, as the cache uses it. */
export interface CachedStatement<R> {
  execute(values: Record<string, unknown>): Promise<R>;
}

/** Shapes kept per Drizzle instance; past it, statements are built per call as before. */
const MAX_SHAPES = 256;
/** Rows of an insert whose shape is kept; a larger batch is built per call. */
export const MAX_CACHED_ROWS = 1000;

const cache = new WeakMap<object, Map<string, CachedStatement<unknown>>>();

/** The statement of `shape` on `orm`, built by `build` the first time. */
export function cachedStatement<R>(
  orm: StatementOrm<never> | object,
  shape: string,
  build: () => CachedStatement<R>,
): CachedStatement<R> {
  let shapes = cache.get(orm);
  if (shapes === undefined) {
    shapes = new Map();
    cache.set(orm, shapes);
  }
  const found = shapes.get(shape);
  if (found !== undefined) return found as CachedStatement<R>;
  const built = build();
  if (shapes.size < MAX_SHAPES) shapes.set(shape, built as CachedStatement<unknown>);
  return built;
}

/**
 * The columns an insert's rows give (keys with a defined value), when every row gives the same
 * ones; undefined when they differ (then the insert is built per call). Sorted, so the shape does
 * not depend on key order.
 */
export function insertShape(rows: Record<string, unknown>[]): string[] | undefined {
  const first = rows[0];
  if (first === undefined || rows.length > MAX_CACHED_ROWS) return undefined;
  const keys = Object.keys(first)
    .filter((k) => first[k] !== undefined)
    .sort();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>;
    let given = 0;
    for (const k in row) if (row[k] !== undefined) given++;
    if (given !== keys.length || keys.some((k) => row[k] === undefined)) return undefined;
  }
  return keys;
}

/**
 * Placeholder rows for an insert of `count` rows of `keys` (placeholder `r:key`). Each is an SQL
 * chunk, so Drizzle does not encode its value when filling it in: {@link placeholderValues} does,
 * the way Drizzle encodes a value it binds (its column's mapToDriverValue, null left null —
 * Drizzle's own placeholder encoding would call it on null too).
 */
export function placeholderRows(keys: string[], count: number): Record<string, SQL>[] {
  return Array.from({ length: count }, (_, r) =>
    Object.fromEntries(keys.map((k) => [k, sql`${sql.placeholder(`${r}:${k}`)}`])),
  );
}

/** The values of `rows` for {@link placeholderRows}'s placeholders, encoded for the driver. */
export function placeholderValues(
  table: PgTable,
  keys: string[],
  rows: Record<string, unknown>[],
): Record<string, unknown> {
  const columns = keys.map((k) => (table as unknown as Record<string, PgColumn>)[k] as PgColumn);
  const values: Record<string, unknown> = {};
  rows.forEach((row, r) => {
    keys.forEach((k, c) => {
      const value = row[k];
      values[`${r}:${k}`] = value === null ? null : (columns[c] as PgColumn).mapToDriverValue(value);
    });
  });
  return values;
}

/** `tenant_id = :tenantId AND id = :id`, the primary-key lookup of a tenant table. */
export function byIdPlaceholders(table: PgTable & { tenantId: PgColumn; id: PgColumn }): SQL {
  return and(eq(table.tenantId, sql.placeholder('tenantId')), eq(table.id, sql.placeholder('id'))) as SQL;
}
