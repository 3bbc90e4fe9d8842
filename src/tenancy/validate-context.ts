import { InvalidIdError, TenantDbError } from '../errors.ts';

/** Who a piece of work is for: the tenant, and (optionally) the member acting in it. */
export interface TenantContext {
  tenantId: string;
  /** When given, the user must be an ACTIVE member of the tenant. */
  userId?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in its text form (any case). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** Checks a context before any query: a missing or malformed id is a typed error, nothing runs. */
export function validateContext(context: unknown): TenantContext {
  if (context === null || typeof context !== 'object' || !('tenantId' in context) || context.tenantId == null) {
    throw new TenantDbError(
      'TENANT_CONTEXT_MISSING',
      'No tenant context: pass { tenantId } (and optionally userId), e.g. withTenantContext(db, { tenantId }, fn).',
    );
  }
  const { tenantId, userId } = context as { tenantId: unknown; userId?: unknown };
  if (!isUuid(tenantId)) {
    throw new InvalidIdError(
      'INVALID_TENANT_ID',
      `tenantId must be a UUID (got ${describe(tenantId)}). Nothing was run.`,
    );
  }
  if (userId !== undefined && userId !== null && !isUuid(userId)) {
    throw new InvalidIdError('INVALID_USER_ID', `userId must be a UUID (got ${describe(userId)}). Nothing was run.`);
  }
  return { tenantId: tenantId.toLowerCase(), userId: typeof userId === 'string' ? userId.toLowerCase() : undefined };
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}
