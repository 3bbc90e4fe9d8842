/** Product events: batch ingestion into analytics_events, one multi-row INSERT per batch. */
import { analyticsEvents } from '../schema/analytics.ts';
import { requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';
import { checkJsonObject, checkOptionalText, checkText, fail } from './check.ts';

export type AnalyticsEvent = typeof analyticsEvents.$inferSelect;

export interface AnalyticsEventInput {
  /** The event's category (`'page'`, `'conversion'`): 1–100 characters. */
  eventType: string;
  /** The event (`'signup_completed'`): 1–200 characters. */
  eventName: string;
  /** A plain object of JSON values. Default `{}`. */
  properties?: Record<string, unknown>;
  /** When it happened. Default: the transaction's time (now()). */
  occurredAt?: Date;
  /** Where it came from (`'segment'`): at most 100 characters. */
  source?: string | null;
  /** Its id at the source, for tracing and de-duplication: at most 200 characters. */
  sourceId?: string | null;
}

/** The most events one call takes: 1,000 rows of 6 values, far under PostgreSQL's 65,535 parameters. */
export const MAX_EVENTS_PER_BATCH = 1000;

const LIMITS = { eventType: 100, eventName: 200, source: 100, sourceId: 200 } as const;

/**
 * Records a batch of the tenant's product events in one statement (a multi-row INSERT), so a
 * batch is stored whole or not at all. Every event is checked first (INVALID_INPUT naming the
 * event, nothing written): `eventType` and `eventName` non-empty strings (100 / 200 characters at
 * most), `properties` a plain object of JSON values, `occurredAt` a valid Date, `source` and
 * `sourceId` strings; at most {@link MAX_EVENTS_PER_BATCH} events a call. Resolves to the number
 * of events stored (events are high-volume: their rows are not sent back).
 *
 * @example
 * const stored = await trackEvents(tenant, [
 *   { eventType: 'page', eventName: 'pricing_viewed', properties: { plan: 'pro' } },
 *   { eventType: 'conversion', eventName: 'signup_completed', occurredAt: new Date(), source: 'web' },
 * ]); // 2
 */
export async function trackEvents(scope: TenantScope, events: readonly AnalyticsEventInput[]): Promise<number> {
  const fn = 'trackEvents';
  const tenant = requireTenantScope(scope, fn);
  if (!Array.isArray(events)) fail(fn, 'events must be an array of { eventType, eventName, properties?, … }.');
  if (events.length > MAX_EVENTS_PER_BATCH) {
    fail(
      fn,
      `${events.length} events is more than ${MAX_EVENTS_PER_BATCH} in one call: send them in batches of ${MAX_EVENTS_PER_BATCH}.`,
    );
  }
  const { tenantId } = tenant.context;
  const rows = events.map((event: unknown, i) => {
    const at = `events[${i}]`;
    if (event === null || typeof event !== 'object' || Array.isArray(event)) fail(fn, `${at} must be an object.`);
    const e = event as Partial<Record<keyof AnalyticsEventInput, unknown>>;
    const occurredAt = e.occurredAt;
    if (occurredAt !== undefined && !(occurredAt instanceof Date && !Number.isNaN(occurredAt.getTime()))) {
      fail(fn, `${at}.occurredAt must be a valid Date (or left out for now).`);
    }
    const row = {
      tenantId,
      eventType: checkText(fn, `${at}.eventType`, e.eventType, LIMITS.eventType),
      eventName: checkText(fn, `${at}.eventName`, e.eventName, LIMITS.eventName),
      properties: checkJsonObject(fn, `${at}.properties`, e.properties, {}),
      source: checkOptionalText(fn, `${at}.source`, e.source, LIMITS.source),
      sourceId: checkOptionalText(fn, `${at}.sourceId`, e.sourceId, LIMITS.sourceId),
      ...(occurredAt !== undefined ? { occurredAt: occurredAt as Date } : {}),
    };
    validateValues('analytics_events', row);
    return row;
  });
  if (rows.length === 0) return 0;
  await tenant.transaction((tx) => tx.insert(analyticsEvents).values(rows));
  return rows.length;
}
