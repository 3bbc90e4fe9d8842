/**
 * Typed errors. Every error tenantdb throws on purpose is a {@link TenantDbError} with a stable
 * `code` (safe to switch on), the Postgres SQLSTATE when the database raised it, and the original
 * error as `cause`. Messages say what to do next.
 */

export type TenantDbErrorCode =
  | 'INVALID_TENANT_ID'
  | 'INVALID_USER_ID'
  | 'INVALID_INPUT'
  | 'ALREADY_EXISTS'
  | 'TENANT_CONTEXT_MISSING'
  | 'CONTEXT_ALREADY_OPEN'
  | 'TENANT_NOT_FOUND'
  | 'TENANT_SUSPENDED'
  | 'TENANT_CANCELLED'
  | 'NOT_A_MEMBER'
  | 'TENANT_MISMATCH'
  | 'TENANT_ISOLATION_VIOLATION'
  | 'PERMISSION_DENIED'
  | 'CROSS_TENANT_QUERY'
  | 'LIMIT_EXCEEDED'
  | 'BUDGET_EXCEEDED'
  | 'AUDIT_APPEND_ONLY'
  | 'CROSS_TENANT_REFERENCE'
  | 'SYSTEM_CONTEXT_FORBIDDEN'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_EDITED'
  | 'MIGRATION_LOCK_TIMEOUT'
  | 'CONFIG_INVALID'
  | 'STATEMENT_LIMIT'
  | 'TASK_NOT_FOUND'
  | 'TASK_STATE'
  | 'TASK_LEASE_LOST';

export interface TenantDbErrorOptions {
  cause?: unknown;
  sqlState?: string;
  query?: string;
  params?: unknown[];
  /** The constraint the database named (e.g. the unique key of an ALREADY_EXISTS). */
  constraint?: string;
}

export class TenantDbError extends Error {
  override readonly name: string = 'TenantDbError';
  readonly code: TenantDbErrorCode;
  readonly sqlState: string | undefined;
  readonly query: string | undefined;
  readonly params: unknown[] | undefined;
  /** The constraint the database named, when it named one (unique keys, checks, foreign keys). */
  readonly constraint: string | undefined;

  constructor(code: TenantDbErrorCode, message: string, options: TenantDbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.sqlState = options.sqlState ?? sqlStateOf(options.cause);
    this.query = options.query;
    this.params = options.params;
    this.constraint = options.constraint ?? constraintOf(options.cause);
  }
}

/** Thrown before any query when a tenant or user id is not a UUID. Nothing is written. */
export class InvalidIdError extends TenantDbError {
  override readonly name = 'InvalidIdError';
}

/** The tenant exists but its status forbids the attempted access. */
export class TenantStatusError extends TenantDbError {
  override readonly name = 'TenantStatusError';
}

/** The user is not an active member of the tenant whose context was requested. */
export class MembershipError extends TenantDbError {
  override readonly name = 'MembershipError';
}

/** The database (RLS, a composite foreign key) or the scoped API refused a cross-tenant access. */
export class IsolationError extends TenantDbError {
  override readonly name = 'IsolationError';
}

/** The member lacks the permission (RBAC) or is a read-only viewer. */
export class PermissionError extends TenantDbError {
  override readonly name = 'PermissionError';
}

/**
 * The tenant's spend in a period has reached its budget and the hard limit is on: the database
 * refused to record more cost (whatever wrote it: the API or raw SQL). Nothing was recorded.
 */
export class BudgetExceededError extends TenantDbError {
  override readonly name = 'BudgetExceededError';
}

/** A plan limit (max_users, max_connectors) would be exceeded; `limit` names it. */
export class LimitError extends TenantDbError {
  override readonly name = 'LimitError';
  get limit(): string | undefined {
    const detail = driverErrorOf(this.cause)?.detail;
    return typeof detail === 'string' ? detail : undefined;
  }
}

export class MigrationError extends TenantDbError {
  override readonly name = 'MigrationError';
}

export class ConfigError extends TenantDbError {
  override readonly name = 'ConfigError';
}

/** Walks an error's `cause` chain (drizzle wraps driver errors) and returns the first SQLSTATE. */
export function sqlStateOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The driver error (with `constraint`, `table`, `detail`) behind drizzle's wrapper, if any, also
 * behind a TenantDbError (whose own `code` is tenantdb's, not the driver's).
 */
export function driverErrorOf(error: unknown): Record<string, unknown> | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && typeof current === 'object'; depth++) {
    if (!(current instanceof TenantDbError) && typeof (current as { code?: unknown }).code === 'string') {
      return current as Record<string, unknown>;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether the driver error is one a Citus coordinator relayed from a worker ("while executing
 * command on host:port"). Such an error names shards (`widgets_102036`, `widgets_pkey_102036`)
 * instead of the tables and constraints, and carries no `constraint` field.
 */
function relayedByCitus(driver: Record<string, unknown> | undefined): boolean {
  return (
    (typeof driver?.where === 'string' && /while executing command on /.test(driver.where)) ||
    driver?.routine === 'ReportResultError'
  );
}

// A shard's name is its table's (or constraint's) name and `_<shard id>`; shard ids start at 102008.
const SHARD_SUFFIX = /_\d{6,}$/;

/** The logical names in a message Citus relayed: `"widgets_102036"` → `"widgets"`. */
function withLogicalNames(message: string): string {
  return message.replace(/"([^"]+?)_\d{6,}"/g, '"$1"');
}

/**
 * The constraint the database named: `constraint` on the pg / PGlite error, or, on Citus (which
 * relays a worker's error without it), the name quoted in the message, without the shard suffix.
 */
export function constraintOf(error: unknown): string | undefined {
  const driver = driverErrorOf(error);
  const constraint = driver?.constraint;
  const relayed = relayedByCitus(driver);
  if (typeof constraint === 'string' && constraint !== '')
    return relayed ? constraint.replace(SHARD_SUFFIX, '') : constraint;
  if (!relayed || typeof driver?.message !== 'string') return undefined;
  const named = /constraint "([^"]+)"/.exec(driver.message)?.[1];
  return named === undefined ? undefined : named.replace(SHARD_SUFFIX, '');
}

// SQLSTATEs raised by tenantdb's own SQL functions (migrations/0000_bootstrap.sql).
const OWN_SQLSTATES: Record<string, [TenantDbErrorCode, typeof TenantDbError]> = {
  TD001: ['INVALID_TENANT_ID', InvalidIdError],
  TD002: ['TENANT_NOT_FOUND', TenantStatusError],
  TD003: ['TENANT_CANCELLED', TenantStatusError],
  TD004: ['NOT_A_MEMBER', MembershipError],
  TD005: ['SYSTEM_CONTEXT_FORBIDDEN', TenantDbError],
  TD006: ['CONTEXT_ALREADY_OPEN', TenantDbError],
  TD007: ['CROSS_TENANT_QUERY', IsolationError],
  TD010: ['LIMIT_EXCEEDED', LimitError],
  TD011: ['AUDIT_APPEND_ONLY', TenantDbError],
  TD012: ['BUDGET_EXCEEDED', BudgetExceededError],
};

// SQLSTATEs that mean the input was bad (INVALID_INPUT), with what to do about it.
const INVALID_INPUT_SQLSTATES: Record<string, string> = {
  '22P02':
    'A value does not fit its column type (an enum value not in the list, a malformed UUID, number, boolean or JSON): check it against the schema.',
  '22021':
    'The text holds a byte sequence the database cannot store, such as a NUL character (\\u0000): remove it, or store binary data as bytea.',
  '22001': 'A string is longer than its column allows: shorten it.',
  '22003':
    "A number is out of range for its column (numeric precision/scale or integer size): check the column's type.",
  '22007': 'A date/time value is not in a format the database understands: pass a Date or an ISO 8601 string.',
  '22008': 'A date/time value is out of range (e.g. February 30th): pass a real date.',
  '23514': 'The row fails the CHECK constraint named above: change the value.',
  '22P05': 'A character cannot be stored (e.g. \\u0000 inside a JSON value, which jsonb refuses): remove it.',
  '54000':
    'A value exceeds a database limit (e.g. an indexed value larger than an index row can hold, ~2.7 kB): shorten it or do not index it.',
};

/**
 * Turns a database error into a typed error when it is one tenantdb knows: its own SQLSTATEs,
 * RLS refusals (42501 "row-level security"), missing privileges (42501 "permission denied for
 * …"; for open_system_context SYSTEM_CONTEXT_FORBIDDEN), unique violations (23505,
 * ALREADY_EXISTS with the constraint's name), foreign keys that would cross tenants (23503),
 * writes in a suspended tenant's read-only transaction (25006), and bad input such as an invalid
 * enum value, NUL byte, out-of-range number or date (INVALID_INPUT, see INVALID_INPUT_SQLSTATES).
 * Anything else is returned as is.
 */
export function translateDatabaseError(error: unknown, hint: { readOnlyTenant?: boolean } = {}): unknown {
  if (error instanceof TenantDbError) return error;
  // Drizzle wraps what the driver threw (DrizzleQueryError); our own refusals keep their type.
  if ((error as { cause?: unknown } | null)?.cause instanceof TenantDbError) return (error as { cause: unknown }).cause;
  const sqlState = sqlStateOf(error);
  const driver = driverErrorOf(error);
  const relayed = typeof driver?.message === 'string' ? driver.message : String(error);
  const message = relayedByCitus(driver) ? withLogicalNames(relayed) : relayed;
  if (sqlState === undefined) return error;
  const own = OWN_SQLSTATES[sqlState];
  if (own) {
    const [code, ErrorClass] = own;
    return new ErrorClass(code, message, { cause: error, sqlState });
  }
  if (
    sqlState === '42501' &&
    /row-level security policy "[a-z_]+_(rbac|writable)_(insert|update|delete)"/.test(message)
  ) {
    const viewer = /_writable_/.test(message);
    return new PermissionError(
      'PERMISSION_DENIED',
      viewer
        ? `${message}. The member is a viewer: viewers can read but never write.`
        : `${message}. The member's roles do not grant this permission (see roles / member_roles).`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '42501' && /^permission denied for (table|relation)/.test(message)) {
    return new PermissionError(
      'PERMISSION_DENIED',
      `${message}. The application role has no grant for this command on this table (append-only tables, for example, grant no UPDATE or DELETE).`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '42501' && /^permission denied for function open_system_context\b/.test(message)) {
    return new TenantDbError(
      'SYSTEM_CONTEXT_FORBIDDEN',
      `${message}. This connection's role may not open the system context (tenantdb_app never can): run system work on the owner's connection (systemUrl).`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '42501' && /^permission denied for (function|schema|sequence)\b/.test(message)) {
    return new PermissionError(
      'PERMISSION_DENIED',
      `${message}. The connection's role has no grant for this; tenant work runs as tenantdb_app, which is granted only what tenant work needs.`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '42501' && /row-level security/i.test(message)) {
    return new IsolationError(
      'TENANT_ISOLATION_VIOLATION',
      `${message}. The row names a tenant other than the open context's; write inside withTenantContext() for that tenant instead.`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '0A000' && /^modifying the partition value of rows is not allowed/.test(message)) {
    // Citus refuses to change the distribution column before RLS sees the row.
    return new IsolationError(
      'TENANT_ISOLATION_VIOLATION',
      `${message}. A row's tenant_id never changes: a row cannot move to another tenant. Create the row in the other tenant's context instead.`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '23505') {
    // The key's values (driver.detail) stay in `cause`: they may be personal data, such as an email.
    const constraint = constraintOf(error);
    return new TenantDbError(
      'ALREADY_EXISTS',
      `${message}. A row with the same unique key${constraint ? ` (${constraint})` : ''} already exists: update that row instead, or change the value.`,
      { cause: error, sqlState, ...(constraint ? { constraint } : {}) },
    );
  }
  if (sqlState === '23503') {
    return new IsolationError(
      'CROSS_TENANT_REFERENCE',
      `${message}. A tenant row can only reference rows of the same tenant (composite foreign keys on (tenant_id, id)); the referenced row does not exist in this tenant.`,
      { cause: error, sqlState },
    );
  }
  if (sqlState === '25006' && hint.readOnlyTenant) {
    return new TenantStatusError(
      'TENANT_SUSPENDED',
      'This tenant is SUSPENDED: its data can be read but not changed. Reactivate the tenant to write.',
      { cause: error, sqlState },
    );
  }
  const invalidInput = INVALID_INPUT_SQLSTATES[sqlState];
  if (invalidInput !== undefined) {
    const detail = typeof driver?.detail === 'string' && driver.detail !== '' ? ` (${driver.detail})` : '';
    return new TenantDbError('INVALID_INPUT', `${message}${detail}. ${invalidInput} The statement was refused.`, {
      cause: error,
      sqlState,
    });
  }
  if (sqlState === '23502' && /tenant_id/.test(message)) {
    return new TenantDbError(
      'TENANT_CONTEXT_MISSING',
      `${message}. No tenant context is open: run the write inside withTenantContext(db, { tenantId }, fn).`,
      { cause: error, sqlState },
    );
  }
  return error;
}
