/** Recording cost events: one row per billable use of an AI service, money exact. */
import { TenantDbError } from '../errors.ts';
import { costEvents } from '../schema/billing.ts';
import { costService } from '../schema/enums.ts';
import { isUuid, requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';
import { checkMoney } from './money.ts';

export type CostService = (typeof costService.enumValues)[number];
export type CostEvent = typeof costEvents.$inferSelect;

export interface CostEventInput {
  service: CostService;
  /** USD as a decimal string with at most 6 decimals (`'0.012500'`): never a float. */
  costUsd: string;
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

function checkEvent(event: CostEventInput, i: number): CostEventInput {
  const at = `recordCosts: events[${i}]`;
  if (event === null || typeof event !== 'object') throw new TenantDbError('INVALID_INPUT', `${at} must be an object.`);
  if (!SERVICES.includes(event.service)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.service must be one of ${SERVICES.join(', ')} (got ${JSON.stringify(event.service)}).`,
    );
  }
  checkMoney(event.costUsd, `${at}.costUsd`, { precision: 12, scale: 6 });
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
  const rows = events.map((event, i) => {
    const e = checkEvent(event, i);
    const row = {
      tenantId,
      service: e.service,
      costUsd: e.costUsd,
      provider: e.provider ?? null,
      tokensUsed: e.tokensUsed ?? null,
      conversationId: e.conversationId ?? null,
      metadata: e.metadata ?? {},
      ...(e.occurredAt ? { occurredAt: e.occurredAt } : {}),
    };
    validateValues('cost_events', row);
    return row;
  });
  if (rows.length === 0) return [];
  return tenant.transaction((tx) => tx.insert(costEvents).values(rows).returning());
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
