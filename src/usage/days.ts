/**
 * Calendar days as `YYYY-MM-DD` strings, and ranges of them: the one place the usage module checks
 * a day or a range, so every function refuses the same input the same way (before any SQL).
 */
import { TenantDbError } from '../errors.ts';

/** The longest range a usage function covers, in days, both ends included. */
export const MAX_RANGE_DAYS = 366;

const DAY_MS = 86_400_000;

/** A real calendar day as `YYYY-MM-DD` (not `2025-02-30`). */
export function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
}

/** `day` moved by `n` days (negative: earlier). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The UTC calendar day of `at`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The number of days from `from` to `to`, both included (1 when they are the same day). */
export function dayCount(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

export interface DayRange {
  /** The first day, `YYYY-MM-DD`. */
  from: string;
  /** The last day, `YYYY-MM-DD`, included. */
  to: string;
}

/** Checks a range: real days, `from` not after `to`, at most {@link MAX_RANGE_DAYS} days. */
export function checkRange(range: { from?: unknown; to?: unknown }, fn: string): DayRange & { days: number } {
  for (const key of ['to', 'from'] as const) {
    if (!isDay(range[key])) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `${fn}: ${key} must be a day as YYYY-MM-DD (got ${JSON.stringify(range[key])}).`,
      );
    }
  }
  const { from, to } = range as DayRange;
  if (from > to) throw new TenantDbError('INVALID_INPUT', `${fn}: from (${from}) is after to (${to}).`);
  const days = dayCount(from, to);
  if (days > MAX_RANGE_DAYS) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${fn}: ${from}..${to} is ${days} days; ask for at most ${MAX_RANGE_DAYS} at a time.`,
    );
  }
  return { from, to, days };
}
