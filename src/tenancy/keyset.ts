/**
 * Keyset pagination: the one helper every list API uses, on `(created_at, id)`, newest first
 * (or oldest first). A page is "the rows after the last row of the previous page", so a page
 * costs one index range scan (`(tenant_id, created_at, id)` indexes) however deep it is, and rows
 * inserted meanwhile neither shift nor repeat the pages after them (OFFSET does both).
 *
 * Exactness. Postgres timestamps have microsecond precision, a JavaScript Date only milliseconds,
 * and rows inserted by one statement share one `created_at` (now() is the transaction's start).
 * So the cursor never carries a Date: the helper selects the row's exact `created_at` as text in
 * UTC with all six fractional digits, and the next page compares the row tuple
 * `(created_at, id) < ($created_at, $id)`: ties on `created_at` are broken by `id`, nothing is
 * skipped or repeated. (Never `created_at < <an id>`: seed 004's bug.)
 *
 * Opaque and tamper-checked. A cursor is `base64url(payload).base64url(mac)`, the MAC an
 * HMAC-SHA256 over (list name, tenant id, payload). It is keyed by `TENANTDB_CURSOR_SECRET` when
 * set (at least 16 characters), otherwise by a random key made once per process: then a cursor
 * works only in the process that issued it, so set the secret when several app processes serve
 * one list (behind a load balancer). A cursor edited by hand, issued for another list, for
 * another tenant, or for the other sort order is INVALID_INPUT before any SQL is sent. The
 * payload is not secret (a timestamp and an id the caller has already seen), only authenticated.
 *
 * Cost: one HMAC per page (microseconds); no extra round trip.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { asc, desc, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { isUuid } from './validate-context.ts';

/** Rows per page when `limit` is not given. */
export const KEYSET_DEFAULT_LIMIT = 50;
/** The largest `limit` a page accepts. */
export const KEYSET_MAX_LIMIT = 500;

/** The key of the helper column `page.select` adds (and `page.result` removes). */
export const KEYSET_COLUMN = 'keysetCreatedAt';

export interface KeysetOptions {
  /** The list's name (`'module_insights'`): a cursor is valid for this list only. */
  list: string;
  /** The tenant whose rows are listed: a cursor is valid for this tenant only. */
  tenantId: string;
  /** The `nextCursor` of the previous page, unchanged; none (or null) for the first page. */
  cursor?: string | null | undefined;
  /** Rows per page, an integer from 1 to 500. Default 50. */
  limit?: number | undefined;
  /** `desc` (default): newest first. `asc`: oldest first. */
  order?: 'asc' | 'desc' | undefined;
  /** The public function, named in error messages. Default: the list's name. */
  fn?: string | undefined;
}

/** What a list API returns: one page, and the cursor of the next one (null on the last page). */
export interface KeysetResult<T> {
  items: T[];
  nextCursor: string | null;
}

/** The columns a list is paged on: every tenant table has both. */
export interface KeysetColumns {
  createdAt: AnyColumn;
  id: AnyColumn;
}

type KeysetRow = { id: unknown } & { [KEYSET_COLUMN]: string };

/** One page of a list, as pieces of a Drizzle query. */
export interface KeysetPage {
  /** Spread into the select: the row's exact created_at (text, UTC, microseconds). */
  readonly select: { [KEYSET_COLUMN]: SQL.Aliased<string> };
  /** The predicate "after the cursor's row" (undefined on the first page): put it in the `and(…)`. */
  readonly where: SQL | undefined;
  /** `created_at, id`, both in the page's direction. */
  readonly orderBy: [SQL, SQL];
  /** The LIMIT to send: one row more than the page, to know whether a next page exists. */
  readonly fetch: number;
  /** The page size asked for. */
  readonly limit: number;
  /** The page's items (without the helper column) and the next page's cursor. */
  result<R extends KeysetRow>(rows: readonly R[]): KeysetResult<Omit<R, typeof KEYSET_COLUMN>>;
}

// The cursor's created_at: ISO 8601 in UTC with all six fractional digits (`page.select`'s
// to_char), parsed back exactly by `::timestamptz` whatever the session's DateStyle and TimeZone.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const MAX_CURSOR_LENGTH = 512;
const MIN_SECRET_LENGTH = 16;

let processKey: Buffer | undefined;

function macKey(): Buffer | string {
  const secret = process.env.TENANTDB_CURSOR_SECRET;
  if (secret !== undefined && secret !== '') {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new TenantDbError(
        'CONFIG_INVALID',
        `TENANTDB_CURSOR_SECRET is shorter than ${MIN_SECRET_LENGTH} characters: set a long random value (e.g. openssl rand -base64 32), the same in every process serving the lists.`,
      );
    }
    return secret;
  }
  processKey ??= randomBytes(32);
  return processKey;
}

function mac(list: string, tenantId: string, payload: string): Buffer {
  // A JSON array: no (list, tenant, payload) triple encodes like another one.
  return createHmac('sha256', macKey())
    .update(JSON.stringify([list, tenantId, payload]))
    .digest();
}

interface Position {
  order: 'asc' | 'desc';
  createdAt: string;
  id: string;
}

function encode(list: string, tenantId: string, position: Position): string {
  const payload = JSON.stringify([1, position.order, position.createdAt, position.id]);
  return `${Buffer.from(payload).toString('base64url')}.${mac(list, tenantId, payload).toString('base64url')}`;
}

function decode(fn: string, list: string, tenantId: string, cursor: unknown): Position {
  const refuse = (why: string): never => {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${fn}: cursor ${why}: pass the nextCursor a previous page of this list returned, unchanged (or none for the first page).`,
    );
  };
  if (typeof cursor !== 'string') return refuse('must be a string');
  if (cursor.length > MAX_CURSOR_LENGTH) return refuse('is too long to be a cursor');
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(cursor);
  if (!match) return refuse('is not a cursor');
  const payload = Buffer.from(match[1] as string, 'base64url').toString('utf8');
  const given = Buffer.from(match[2] as string, 'base64url');
  const expected = mac(list, tenantId, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return refuse('was altered, or was issued for another list, another tenant or another process');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return refuse('is not a cursor');
  }
  const [version, order, createdAt, id] = Array.isArray(parsed) ? (parsed as unknown[]) : [];
  if (
    version !== 1 ||
    (order !== 'asc' && order !== 'desc') ||
    typeof createdAt !== 'string' ||
    !TIMESTAMP.test(createdAt) ||
    !isUuid(id)
  ) {
    return refuse('is not a cursor of this version');
  }
  return { order, createdAt, id };
}

/**
 * One page of a list on `(created_at, id)`: checks the limit and the cursor (INVALID_INPUT before
 * any SQL), and gives the pieces of the query (`select`, `where`, `orderBy`, `fetch`) and
 * `result(rows)`, which cuts the extra row off and makes the next page's cursor. The query must
 * also carry the explicit `tenant_id = $tenant` predicate and its own filters; the cursor does
 * not bind filters (a position stays valid under any filter), it binds the list, the tenant and
 * the order.
 *
 * With raw `sql`, the pieces work as long as the table is not aliased in FROM.
 *
 * @example
 * const page = keyset(moduleInsights, { list: 'module_insights', tenantId, cursor, limit });
 * const rows = await tx
 *   .select({ ...getTableColumns(moduleInsights), ...page.select })
 *   .from(moduleInsights)
 *   .where(and(eq(moduleInsights.tenantId, tenantId), filters, page.where))
 *   .orderBy(...page.orderBy)
 *   .limit(page.fetch);
 * return page.result(rows); // { items, nextCursor }
 */
export function keyset(table: KeysetColumns, options: KeysetOptions): KeysetPage {
  if (options === null || typeof options !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'keyset: pass { list, tenantId, cursor?, limit?, order? }.');
  }
  const { list, tenantId } = options;
  const fn = options.fn ?? list;
  if (typeof list !== 'string' || list === '') {
    throw new TenantDbError('INVALID_INPUT', 'keyset: list must name the list (e.g. the table).');
  }
  if (!isUuid(tenantId)) throw new TenantDbError('INVALID_INPUT', `${fn}: tenantId must be a UUID.`);
  const limit = options.limit ?? KEYSET_DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > KEYSET_MAX_LIMIT) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${fn}: limit must be an integer from 1 to ${KEYSET_MAX_LIMIT} (got ${String(limit)}); page through longer lists with nextCursor.`,
    );
  }
  const order = options.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new TenantDbError('INVALID_INPUT', `${fn}: order must be 'asc' or 'desc' (got ${String(order)}).`);
  }
  let where: SQL | undefined;
  if (options.cursor != null) {
    const after = decode(fn, list, tenantId, options.cursor);
    if (after.order !== order) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `${fn}: the cursor was issued for order '${after.order}', not '${order}': keep the order while paging.`,
      );
    }
    // The row tuple against the cursor's tuple: one index range, ties broken by id.
    where =
      order === 'desc'
        ? sql`(${table.createdAt}, ${table.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`
        : sql`(${table.createdAt}, ${table.id}) > (${after.createdAt}::timestamptz, ${after.id}::uuid)`;
  }
  const direction = order === 'desc' ? desc : asc;
  return {
    select: {
      [KEYSET_COLUMN]: sql<string>`to_char(${table.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
        'keyset_created_at',
      ),
    },
    where,
    orderBy: [direction(table.createdAt), direction(table.id)],
    fetch: limit + 1,
    limit,
    result<R extends KeysetRow>(rows: readonly R[]): KeysetResult<Omit<R, typeof KEYSET_COLUMN>> {
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > limit && last !== undefined
          ? encode(list, tenantId, { order, createdAt: last[KEYSET_COLUMN], id: String(last.id) })
          : null;
      const items = page.map((row) => {
        const { [KEYSET_COLUMN]: _position, ...item } = row;
        return item;
      });
      return { items, nextCursor };
    },
  };
}
