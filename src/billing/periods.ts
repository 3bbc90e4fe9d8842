/** The periods costs are grouped, rolled up and budgeted by: a day, a week (from Monday) or a month of the tenant's time zone. */
import { TenantDbError } from '../errors.ts';

export type Period = 'day' | 'week' | 'month';

/** The name a period has in the database (`budget_period`): daily, weekly, monthly. */
export type PeriodName = 'daily' | 'weekly' | 'monthly';

export const PERIODS: readonly Period[] = ['day', 'week', 'month'];

const NAMES: Record<Period, PeriodName> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** `'day'` → `'daily'`, refusing anything else with INVALID_INPUT naming `label`. */
export function periodName(period: unknown, label: string): PeriodName {
  if (typeof period !== 'string' || !(PERIODS as readonly string[]).includes(period)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${label} must be one of ${PERIODS.join(', ')} (got ${JSON.stringify(period)}). Nothing was written.`,
    );
  }
  return NAMES[period as Period];
}

/** A valid Date, or INVALID_INPUT naming `label`. */
export function checkDate(value: unknown, label: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TenantDbError('INVALID_INPUT', `${label} must be a valid Date (got ${String(value)}).`);
  }
  return value;
}
