/**
 * Money as exact decimal strings (the way Postgres `numeric` comes back) and, for arithmetic, as
 * bigint micro-units (millionths of a dollar). A JavaScript number never holds an amount: 0.1 +
 * 0.2 is not 0.3, and a cost that is off by a float rounding error shows up in every rollup.
 */
import { TenantDbError } from '../errors.ts';

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** The shape of a numeric column: `numeric(precision, scale)`. */
export interface DecimalShape {
  precision: number;
  scale: number;
}

/**
 * Returns `value` when it is a non-negative decimal string that fits `numeric(precision, scale)`
 * exactly (no digit would be rounded away); otherwise throws INVALID_INPUT naming `label`.
 *
 * @example
 * checkMoney('0.012500', 'recordCosts: events[0].costUsd', { precision: 12, scale: 6 }); // '0.012500'
 */
export function checkMoney(value: unknown, label: string, shape: DecimalShape): string {
  const match = typeof value === 'string' ? DECIMAL.exec(value) : null;
  const integer = match?.[1] ?? '';
  const fraction = match?.[2] ?? '';
  const integerDigits = integer.replace(/^0+(?=\d)/, '').length;
  if (!match || fraction.length > shape.scale || integerDigits > shape.precision - shape.scale) {
    const got = typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
    throw new TenantDbError(
      'INVALID_INPUT',
      `${label} must be a non-negative decimal string with at most ${shape.precision - shape.scale} digits before the point and ${shape.scale} after it, e.g. '12.50' (got ${got}). Pass money as a string, never as a float. Nothing was written.`,
    );
  }
  return value as string;
}

/** A decimal string with at most 6 decimals ('12.5', '0.000001') as micro-units (12500000n, 1n). */
export function toMicros(value: string): bigint {
  const match = DECIMAL.exec(value);
  if (!match || (match[2]?.length ?? 0) > 6) throw new RangeError(`not a decimal with at most 6 decimals: ${value}`);
  return BigInt(match[1] as string) * 1_000_000n + BigInt((match[2] ?? '').padEnd(6, '0'));
}

/** Micro-units as a decimal string with `scale` decimals (0..6), rounded half up. */
export function fromMicros(micros: bigint, scale = 6): string {
  if (micros < 0n) throw new RangeError(`negative amount: ${micros}`);
  const unit = 10n ** BigInt(6 - scale);
  const rounded = (micros + unit / 2n) / unit;
  if (scale === 0) return rounded.toString();
  const digits = rounded.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
