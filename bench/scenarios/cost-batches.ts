/**
 * Batches of new cost events and the hand-written multi-row INSERT that writes one, shared by the
 * insert scenarios (bulk-insert-cost-1000, record-costs-1000) and the rollup (cost-rollup), so
 * every side of each writes the same rows with the same statement.
 */
import type { CostEventInput, CostService } from '../../src/billing/index.ts';
import { SERVICE } from '../generate.ts';
import { int, type Random } from '../random.ts';

/** The columns the raw insert returns: every column, as recordCosts' `RETURNING *` does. */
export const COST_COLUMNS =
  'tenant_id, id, conversation_id, service, provider, tokens_used, cost_usd, metadata, occurred_at, created_at, updated_at';

/** Parameters per row of the raw insert (after `$1`, the tenant). */
const PER_ROW = 5;

export interface CostBatch {
  tenantId: string;
  /** The events, as recordCosts takes them (and as `costEvents.insert` does). */
  rows: (CostEventInput & { costUsd: string; provider: string; tokensUsed: number | null; occurredAt: Date })[];
  /** The raw insert's parameters: the tenant, then PER_ROW per row. */
  params: unknown[];
}

/** `count` events of `tenantId` that occurred in the hour before `now`, services weighted like the data set. */
export function costBatch(random: Random, tenantId: string, count: number, now: number): CostBatch {
  const rows = Array.from({ length: count }, () => {
    const service: CostService = SERVICE(random);
    const tokens = service === 'llm' || service === 'embedding' ? int(random, 20, 4000) : null;
    return {
      service,
      provider: 'bench',
      tokensUsed: tokens,
      costUsd: (0.0005 + random() * 0.2).toFixed(6),
      occurredAt: new Date(now - int(random, 0, 3_600_000)),
    };
  });
  const params: unknown[] = [tenantId];
  for (const row of rows) {
    params.push(row.service, row.provider, row.tokensUsed, row.costUsd, row.occurredAt.toISOString());
  }
  return { tenantId, rows, params };
}

/** The superuser's multi-row INSERT of a batch of `count` rows: explicit tenant_id, every value bound. */
export function rawCostInsert(count: number): string {
  const values = Array.from({ length: count }, (_, r) => {
    const p = 2 + r * PER_ROW;
    return `($1, $${p}::cost_service, $${p + 1}, $${p + 2}::int, $${p + 3}::numeric, $${p + 4}::timestamptz)`;
  });
  return `INSERT INTO public.cost_events (tenant_id, service, provider, tokens_used, cost_usd, occurred_at)
      VALUES ${values.join(', ')} RETURNING ${COST_COLUMNS}`;
}
