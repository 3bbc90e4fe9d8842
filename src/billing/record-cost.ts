/** Recording cost events: one row per billable use of an AI service, money exact. */
import { param, sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { costEvents } from '../schema/billing.ts';
import { costService } from '../schema/enums.ts';
import { isUuid, requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';
import { checkMoney, fromMicros } from './money.ts';

export type CostService = (typeof costService.enumValues)[number];
export type CostEvent = typeof costEvents.$inferSelect;

export interface CostEventInput {
  service: CostService;
  /**
   * USD, exact: a decimal string with at most 6 decimals (`'0.012500'`), or bigint micro-dollars
   * (`12500n`). Never a float.
   */
  costUsd: string | bigint;
  provider?: string | null;
  tokensUsed?: number | null;
  /** The conversation the cost belongs to: a conversation of the same tenant. */
  conversationId?: string | null;
  metadata?: CostEvent['metadata'];
  /** When the service was used; default now. */
  occurredAt?: Date;
}

const SERVICES: readonly string[] = costService.enumValues;
const MAX_INT = 2_147_483_647;

/** The amount as a decimal string: bigint micro-dollars become six decimals (12500n → '0.012500'). */
function costOf(value: unknown): unknown {
  return typeof value === 'bigint' && value >= 0n ? fromMicros(value) : value;
}

function checkEvent(event: CostEventInput, i: number): CostEventInput {
  const at = `recordCosts: events[${i}]`;
  if (event === null || typeof event !== 'object') throw new TenantDbError('INVALID_INPUT', `${at} must be an object.`);
  if (!SERVICES.includes(event.service)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.service must be one of ${SERVICES.join(', ')} (got ${JSON.stringify(event.service)}).`,
    );
  }
  checkMoney(costOf(event.costUsd), `${at}.costUsd`, { precision: 12, scale: 6 });
  const tokens = event.tokensUsed;
  if (tokens != null && !(Number.isInteger(tokens) && tokens >= 0 && tokens <= MAX_INT)) {
    throw new TenantDbError('INVALID_INPUT', `${at}.tokensUsed must be a non-negative integer (got ${tokens}).`);
  }
  if (event.conversationId != null && !isUuid(event.conversationId)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.conversationId must be a UUID (got ${typeof event.conversationId}).`,
    );
  }
  if (event.provider != null && typeof event.provider !== 'string') {
    throw new TenantDbError('INVALID_INPUT', `${at}.provider must be a string.`);
  }
  if (event.metadata !== undefined && (event.metadata === null || typeof event.metadata !== 'object')) {
    throw new TenantDbError('INVALID_INPUT', `${at}.metadata must be an object.`);
  }
  if (event.occurredAt !== undefined && !(event.occurredAt instanceof Date)) {
    throw new TenantDbError('INVALID_INPUT', `${at}.occurredAt must be a Date.`);
  }
  return event;
}

/**
 * Records cost events for the scope's tenant, all in one statement (so all or none). Every event
 * is checked before any SQL: a known service, an exact amount, whole tokens. A `conversationId`
 * of another tenant is refused by the database (CROSS_TENANT_REFERENCE).
 *
 * @example
 * await recordCosts(tenant, [
 *   { service: 'llm', provider: 'anthropic', costUsd: '0.004210', tokensUsed: 468, conversationId },
 * ]);
 */
export async function recordCosts(scope: TenantScope, events: readonly CostEventInput[]): Promise<CostEvent[]> {
  const tenant = requireTenantScope(scope, 'recordCosts');
  if (!Array.isArray(events)) throw new TenantDbError('INVALID_INPUT', 'recordCosts: events must be an array.');
  const { tenantId } = tenant.context;
  // One array per column: seven bound parameters whatever the batch size (a multi-row VALUES
  // binds seven per event, and building it costs more than the insert).
  const columns = {
    conversationId: [] as (string | null)[],
    service: [] as string[],
    provider: [] as (string | null)[],
    tokensUsed: [] as (number | null)[],
    costUsd: [] as string[],
    metadata: [] as string[],
    occurredAt: [] as (string | null)[],
  };
  for (const [i, event] of events.entries()) {
    const e = checkEvent(event, i);
    const row = {
      tenantId,
      service: e.service,
      costUsd: costOf(e.costUsd) as string,
      provider: e.provider ?? null,
      tokensUsed: e.tokensUsed ?? null,
      conversationId: e.conversationId ?? null,
      metadata: e.metadata ?? {},
    };
    validateValues('cost_events', row);
    columns.conversationId.push(row.conversationId);
    columns.service.push(row.service);
    columns.provider.push(row.provider);
    columns.tokensUsed.push(row.tokensUsed);
    columns.costUsd.push(row.costUsd);
    columns.metadata.push(JSON.stringify(row.metadata));
    columns.occurredAt.push(e.occurredAt?.toISOString() ?? null);
  }
  if (events.length === 0) return [];
  // In the table's column order (drizzle lists every column for INSERT … SELECT).
  const rows = sql`select ${tenantId}::uuid, gen_random_uuid(), e.conversation_id, e.service::public.cost_service,
      e.provider, e.tokens_used, e.cost_usd, e.metadata::jsonb, coalesce(e.occurred_at, now()), now(), now()
    from unnest(${param(columns.conversationId)}::uuid[], ${param(columns.service)}::text[],
                ${param(columns.provider)}::text[], ${param(columns.tokensUsed)}::int[],
                ${param(columns.costUsd)}::numeric[], ${param(columns.metadata)}::text[],
                ${param(columns.occurredAt)}::timestamptz[])
      as e(conversation_id, service, provider, tokens_used, cost_usd, metadata, occurred_at)`;
  return tenant.transaction((tx) => tx.insert(costEvents).select(rows).returning());
}

/**
 * Records one cost event (recordCosts with one event): checked before any SQL, and the
 * conversation's running total moves with it in the same statement.
 *
 * @example
 * const event = await recordCost(tenant, { service: 'embedding', costUsd: '0.000130', tokensUsed: 1300 });
 */
export async function recordCost(scope: TenantScope, event: CostEventInput): Promise<CostEvent> {
  requireTenantScope(scope, 'recordCost');
  const [row] = await recordCosts(scope, [event]);
  if (row === undefined) throw new Error('insert into cost_events returned no row');
  return row;
}
