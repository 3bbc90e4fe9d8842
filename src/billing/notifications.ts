/** Budget alert notifications: the channel the database notifies, and a typed listener on it. */
import { TenantDbError } from '../errors.ts';
import type { PeriodName } from './periods.ts';

/**
 * The channel the database notifies (`pg_notify`) when an alert is raised, re-opened or
 * escalated, once the recording transaction commits. The payload is JSON: see
 * {@link BudgetAlertNotification}. Not on Citus (the trigger runs on a worker, where nobody
 * listens, and a worker that notified cannot take part in a two-phase commit): rely on
 * `checkBudgets` (the outbox) there.
 */
export const BUDGET_ALERT_CHANNEL = 'tenantdb_budget_alert';

/** What a budget alert notification says. Amounts are exact decimal strings. */
export interface BudgetAlertNotification {
  tenantId: string;
  alertId: string;
  period: PeriodName;
  periodStart: Date;
  thresholdPercent: number;
  /** The threshold in USD (`thresholdPercent` of `budget`). */
  threshold: string;
  /** The period's spend when the alert was raised or changed. */
  spend: string;
  budget: string;
  severity: 'warning' | 'critical';
}

/** What {@link onBudgetAlert} needs of a database: `Database.listen`. */
export interface Listener {
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

/**
 * Calls `handler` for each budget alert the database raises, re-opens or escalates (after the
 * recording transaction commits), until the returned function is called. A wake-up for a sender,
 * not a delivery guarantee: a notification sent while nobody listens is gone, so pair it with
 * `checkBudgets` (which delivers every due alert once). On a server it holds one system
 * connection, which must be a session (a direct connection: PgBouncer's transaction mode cannot
 * LISTEN).
 *
 * @example
 * const stop = await onBudgetAlert(db, (n) => console.log(`${n.tenantId}: ${n.thresholdPercent}% of ${n.budget} USD`));
 * // … later
 * await stop();
 */
export async function onBudgetAlert(
  db: Listener,
  handler: (notification: BudgetAlertNotification) => void,
): Promise<() => Promise<void>> {
  if (typeof handler !== 'function')
    throw new TenantDbError('INVALID_INPUT', 'onBudgetAlert: handler must be a function.');
  return db.listen(BUDGET_ALERT_CHANNEL, (payload) => {
    const raw = JSON.parse(payload) as Omit<BudgetAlertNotification, 'periodStart'> & { periodStart: string };
    handler({ ...raw, periodStart: new Date(raw.periodStart) });
  });
}
