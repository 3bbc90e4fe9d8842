/**
 * Input checks the scoped API runs on every insert / update / upsert before any SQL, for values
 * the database would refuse only after a round trip (aborting the transaction) or — worse — would
 * accept with silent data loss:
 *
 * - a NUL character (`\u0000`): Postgres text and jsonb cannot hold it (22021 / 22P05);
 * - a lone UTF-16 surrogate: not valid Unicode. Encoded as UTF-8 for a text column it is silently
 *   replaced by U+FFFD (the stored value differs from the one written); inside JSON it is refused;
 * - an oversize value: one column value larger than {@link MAX_VALUE_BYTES} (UTF-8 bytes of a
 *   string, byte length of binary data, UTF-8 length of the JSON text of an object or array);
 * - an invalid `Date` (`new Date('garbage')`), which would otherwise fail as an untyped RangeError.
 *
 * Each is a `TenantDbError('INVALID_INPUT')` naming the table and the column (and the path inside
 * a JSON value). Nothing is sent to the database, so the transaction stays usable.
 *
 * Cost: one native scan per string (NUL) plus one for surrogates; byte lengths are computed only
 * when a value could be near the limit. SQL expressions (`sql\`…\``, columns) and other class
 * instances are left to the database.
 */
import { TenantDbError } from '../errors.ts';

/** The largest single column value the scoped API accepts: 1 MiB. */
export const MAX_VALUE_BYTES = 1024 * 1024;

/** Deeper JSON nesting is refused (it is almost always a cycle or a mistake). */
export const MAX_JSON_DEPTH = 256;

export interface ValueLimits {
  /** Largest single value, in bytes (default {@link MAX_VALUE_BYTES}). */
  maxValueBytes?: number;
  /** Deepest JSON nesting (default {@link MAX_JSON_DEPTH}). */
  maxDepth?: number;
}

type Path = (string | number)[];

interface Walk {
  table: string;
  column: string;
  path: Path;
  maxDepth: number;
  /** A lower bound of the JSON text's UTF-8 length, accumulated while walking. */
  units: number;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const isWellFormed: (value: string) => boolean = nativeWellFormed
  ? (value) => nativeWellFormed.call(value)
  : (value) => !LONE_SURROGATE.test(value);

/**
 * Checks one row's values (or an update's `set`) for `table`. Throws INVALID_INPUT on the first
 * bad value; returns nothing.
 */
export function validateValues(table: string, values: Record<string, unknown>, limits: ValueLimits = {}): void {
  const maxBytes = limits.maxValueBytes ?? MAX_VALUE_BYTES;
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  for (const column of Object.keys(values)) {
    const value = values[column];
    if (typeof value === 'string') {
      checkString(value, { table, column, path: [], maxDepth, units: 0 });
      checkStringSize(value, table, column, maxBytes);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) {
        throw new TenantDbError(
          'INVALID_INPUT',
          `${table}.${column} is an invalid Date (new Date() could not parse its input). Pass a valid Date or ISO 8601 string. Nothing was written.`,
        );
      }
      continue;
    }
    if (ArrayBuffer.isView(value)) {
      if (value.byteLength > maxBytes) throw oversize(table, column, value.byteLength, maxBytes, 'bytes');
      continue;
    }
    if (!Array.isArray(value) && !isPlainObject(value)) continue; // sql``, columns, placeholders
    const walk: Walk = { table, column, path: [], maxDepth, units: 0 };
    walkJson(value, walk, 0);
    // `units` counts every string code unit once (each is at least one UTF-8 byte) plus the
    // punctuation, so it never exceeds the real size; escapes can make the text up to 6x larger.
    if (walk.units > maxBytes) throw oversize(table, column, walk.units, maxBytes, 'at least');
    if (walk.units * 6 > maxBytes) {
      const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
      if (bytes > maxBytes) throw oversize(table, column, bytes, maxBytes, 'JSON');
    }
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function walkJson(value: unknown, walk: Walk, depth: number): void {
  if (typeof value === 'string') {
    checkString(value, walk);
    walk.units += value.length + 2;
    return;
  }
  if (value === null || typeof value !== 'object') {
    walk.units += 1;
    return;
  }
  if (depth >= walk.maxDepth) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${where(walk)} nests deeper than ${walk.maxDepth} levels (or refers to itself). Flatten the JSON value. Nothing was written.`,
    );
  }
  if (Array.isArray(value)) {
    walk.units += 2;
    for (let i = 0; i < value.length; i++) {
      walk.path.push(i);
      walkJson(value[i], walk, depth + 1);
      walk.path.pop();
      walk.units += 1;
    }
    return;
  }
  if (!isPlainObject(value)) {
    walk.units += 2; // Date, Buffer, …: serialized by their toJSON; not inspected
    return;
  }
  walk.units += 2;
  for (const key of Object.keys(value)) {
    walk.path.push(key);
    checkString(key, walk, 'key');
    walk.units += key.length + 4;
    walkJson(value[key], walk, depth + 1);
    walk.path.pop();
  }
}

function checkString(value: string, walk: Walk, what: 'value' | 'key' = 'value'): void {
  if (value.indexOf('\u0000') !== -1) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${where(walk)} contains a NUL character (\\u0000) in a ${what === 'key' ? 'JSON key' : 'string'}, which Postgres text and jsonb cannot store. Remove it (or store binary data as bytea/base64). Nothing was written.`,
    );
  }
  if (!isWellFormed(value)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${where(walk)} contains a lone UTF-16 surrogate in a ${what === 'key' ? 'JSON key' : 'string'}: not valid Unicode, it would be stored as U+FFFD (data loss). Fix the string (e.g. do not split surrogate pairs when truncating; String.prototype.toWellFormed() replaces them knowingly). Nothing was written.`,
    );
  }
}

function checkStringSize(value: string, table: string, column: string, maxBytes: number): void {
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes: measure only when the bound is inconclusive.
  if (value.length * 3 <= maxBytes) return;
  const bytes = value.length > maxBytes ? value.length : Buffer.byteLength(value, 'utf8');
  if (bytes > maxBytes) throw oversize(table, column, bytes, maxBytes, 'bytes');
}

function oversize(
  table: string,
  column: string,
  bytes: number,
  maxBytes: number,
  how: 'bytes' | 'at least' | 'JSON',
): TenantDbError {
  const size =
    how === 'at least'
      ? `at least ${bytes} bytes as JSON`
      : how === 'JSON'
        ? `${bytes} bytes as JSON`
        : `${bytes} bytes (UTF-8)`;
  return new TenantDbError(
    'INVALID_INPUT',
    `${table}.${column} is ${size}; the limit for one value is ${maxBytes} bytes (MAX_VALUE_BYTES = ${formatBytes(maxBytes)}). Store large payloads outside the database (e.g. object storage) and keep a reference, or split them. Nothing was written.`,
  );
}

function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

function where(walk: Walk): string {
  let text = `${walk.table}.${walk.column}`;
  for (const segment of walk.path) text += typeof segment === 'number' ? `[${segment}]` : `.${segment}`;
  return text;
}
