/** The input checks the analytics functions share, each an INVALID_INPUT naming the function and what to do. */
import { TenantDbError } from '../errors.ts';

export function fail(fn: string, message: string): never {
  throw new TenantDbError('INVALID_INPUT', `${fn}: ${message} Nothing was written or read.`);
}

/** A real calendar day as `YYYY-MM-DD` (not `2025-02-30`). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

export function checkDay(fn: string, label: string, value: unknown): string {
  if (!isDay(value)) fail(fn, `${label} must be a day as YYYY-MM-DD (got ${JSON.stringify(value) ?? String(value)}).`);
  return value;
}

/** A non-empty string of at most `max` characters. */
export function checkText(fn: string, label: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') fail(fn, `${label} must be a non-empty string.`);
  if (value.length > max) fail(fn, `${label} is longer than ${max} characters (${value.length}).`);
  return value;
}

/** Like {@link checkText}, and undefined or null stays null. */
export function checkOptionalText(fn: string, label: string, value: unknown, max: number): string | null {
  return value == null ? null : checkText(fn, label, value, max);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A JSON value: null, a boolean, a finite number, a string, an array or a plain object of JSON
 * values. (A Date, a Map, undefined, a function, a bigint or NaN would be changed or dropped by
 * JSON.stringify, so the stored value would not be the one written.)
 */
function jsonProblem(value: unknown, path: string, depth: number): string | undefined {
  if (depth > 64) return `${path} is nested more than 64 levels deep`;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const problem = jsonProblem(item, `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${path} is ${value === undefined ? 'undefined' : `a ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`}, not a JSON value`;
}

/** A plain object of JSON values (undefined and null give `fallback`). */
export function checkJsonObject<T extends Record<string, unknown> | null>(
  fn: string,
  label: string,
  value: unknown,
  fallback: T,
): Record<string, unknown> | T {
  if (value == null) return fallback;
  if (!isPlainObject(value)) fail(fn, `${label} must be a plain object of JSON values.`);
  const problem = jsonProblem(value, label, 0);
  if (problem)
    fail(fn, `${problem}: pass JSON values only (strings, finite numbers, booleans, null, arrays, objects).`);
  return value;
}

export const MAX_INT = 2_147_483_647;

export function checkCount(fn: string, label: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_INT) {
    fail(fn, `${label} must be a non-negative integer (got ${String(value)}).`);
  }
  return value as number;
}
