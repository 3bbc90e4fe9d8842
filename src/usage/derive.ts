/**
 * snapshotUsage: the system job that derives every tenant's daily usage snapshots from the activity
 * already in the database, and upserts them — a few statements for all tenants, whatever their
 * number, never one per tenant.
 *
 * A day is the tenant's local calendar day, in the IANA time zone `tenants.settings->>'timeZone'`
 * (UTC when unset, empty, or a name PostgreSQL does not know). For each tenant and day:
 *
 * - `apiCalls`: its cost events that day (`cost_events.occurred_at`): each is one billed AI call;
 * - `tokensUsed`: the sum of those cost events' `tokens_used`. Messages carry `tokens_used` too,
 *   but for the same model call their cost event bills, so they are not added (no double count);
 * - `messages`: its messages created that day, every role;
 * - `activeUsers`: the distinct users who, that day, wrote a message (a `user` message in their
 *   conversation), started a conversation, or did something the audit trail names them for
 *   (`audit_logs.actor_user_id`);
 * - `storageBytes`: the bytes of text it stores at the end of that day: `octet_length` of the
 *   content of its knowledge documents, knowledge chunks and messages created up to then (rows
 *   deleted since are not counted: a past day recomputed after a deletion goes down).
 *
 * Idempotent: the upsert (ON CONFLICT (tenant_id, date)) only rewrites a snapshot whose numbers
 * changed, so a second run over unchanged activity changes nothing, not even `updated_at`. A
 * snapshot's `metadata` (written by recordUsageSnapshots) is kept. Two runs at once are serialised
 * by a transaction-scoped advisory lock (works through PgBouncer's transaction pooling): the second
 * waits, then finds nothing to change. Costs: a range scan per activity table for the days asked,
 * and a scan of all stored text for storage (its history is needed for the end-of-day total).
 *
 * Citus: tenant tables are co-located by tenant_id and `tenants` is a reference table, so every
 * subquery groups by tenant_id; ON CONFLICT DO UPDATE uses only `excluded.*` columns (Citus
 * refuses non-IMMUTABLE functions there).
 */
import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { requireSystemScope, rowsOf, type OrmTransaction, type SystemScope } from '../tenancy/index.ts';
import { addDays, checkRange, isDay, utcDay } from './days.ts';

export interface SnapshotUsageOptions {
  /** The first day, `YYYY-MM-DD`. Default: the day before `to`. */
  from?: string;
  /** The last day, `YYYY-MM-DD`, included. Default: today (UTC). */
  to?: string;
  /** Called after each batch of days is written (for a progress bar): days done, days in all. */
  onProgress?: (doneDays: number, totalDays: number) => void;
}

export interface SnapshotUsageResult {
  /** The first and last day covered. */
  from: string;
  to: string;
  /** Tenants covered (every tenant), days covered, and so snapshots covered (tenants × days). */
  tenants: number;
  days: number;
  rows: number;
  /** Snapshots inserted or rewritten because their numbers changed (0 when run again). */
  changed: number;
}

// pg_advisory_xact_lock key: the first 8 bytes of sha256('tenantdb:snapshot-usage') as a signed bigint.
const LOCK_KEY = createHash('sha256').update('tenantdb:snapshot-usage').digest().readBigInt64BE(0).toString();

/** Days written per statement: a year is 12 statements, and a progress step each. */
const BATCH_DAYS = 31;

function checkOptions(options: unknown): SnapshotUsageOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TenantDbError('INVALID_INPUT', 'snapshotUsage: options must be an object ({ from?, to?, onProgress? }).');
  }
  const { onProgress } = options as SnapshotUsageOptions;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TenantDbError('INVALID_INPUT', 'snapshotUsage: onProgress must be a function.');
  }
  return options as SnapshotUsageOptions;
}

/** The tenant's time zone, as SQL over the `tenants` row aliased `t`. */
function zoneOf(invalid: readonly string[]): SQL {
  const named = sql`tenantdb.time_zone_of(t.settings)`; // UTC when unset or empty
  if (invalid.length === 0) return sql`coalesce(${named}, 'UTC')`;
  const list = sql.join(
    invalid.map((zone) => sql`${zone}`),
    sql`, `,
  );
  return sql`(case when ${named} in (${list}) then 'UTC' else coalesce(${named}, 'UTC') end)`;
}

/** The tenants' time zones PostgreSQL does not know (they count as UTC), and the number of tenants. */
async function readZones(tx: OrmTransaction): Promise<{ tenants: number; invalid: string[] }> {
  const zones = rowsOf<{ zone: string | null; n: number }>(
    await tx.execute(sql`select t.settings->>'timeZone' as zone, count(*)::int as n from tenants t group by 1`),
  );
  const tenants = zones.reduce((sum, z) => sum + Number(z.n), 0);
  const named = zones.flatMap((z) => (typeof z.zone === 'string' && z.zone !== '' ? [z.zone] : []));
  if (named.length === 0) return { tenants, invalid: [] };
  const invalid = rowsOf<{ zone: string }>(
    await tx.execute(sql`
      select z.zone from json_array_elements_text(${JSON.stringify(named)}::json) as z(zone)
      where not exists (select 1 from pg_timezone_names n where lower(n.name) = lower(z.zone))`),
  );
  return { tenants, invalid: invalid.map((z) => z.zone) };
}

/** One INSERT … SELECT for every tenant and the days `from`..`to`; resolves to the rows it changed. */
async function writeDays(tx: OrmTransaction, from: string, to: string, days: number, zone: SQL): Promise<number> {
  // Activity is read with a tenant-independent bound, one day wider than the range on each side
  // (no zone is more than 14 hours from UTC), then assigned to its tenant's local day.
  const lo = `${addDays(from, -1)}T00:00:00Z`;
  const hi = `${addDays(to, 2)}T00:00:00Z`;
  const day = (column: SQL) => sql`(${column} at time zone ${zone})::date`;
  const inWindow = (column: SQL) => sql`${column} >= ${lo}::timestamptz and ${column} < ${hi}::timestamptz`;
  const result = await tx.execute(sql`
    insert into usage_snapshots (tenant_id, "date", api_calls, messages, active_users, tokens_used, storage_bytes)
    select g.tenant_id, g.day, coalesce(c.calls, 0), coalesce(m.n, 0), coalesce(a.n, 0), coalesce(c.tokens, 0),
           (sum(coalesce(s.bytes, 0)) over (partition by g.tenant_id order by g.day))::bigint
    from (
      select t.id as tenant_id, ${from}::date + i as day
      from tenants t cross join generate_series(0, ${days - 1}::int) as i
    ) g
    left join (
      select e.tenant_id, ${day(sql`e.occurred_at`)} as day, count(*)::int as calls,
             coalesce(sum(e.tokens_used), 0)::bigint as tokens
      from cost_events e join tenants t on t.id = e.tenant_id
      where ${inWindow(sql`e.occurred_at`)}
      group by 1, 2
    ) c on c.tenant_id = g.tenant_id and c.day = g.day
    left join (
      select x.tenant_id, ${day(sql`x.created_at`)} as day, count(*)::int as n
      from messages x join tenants t on t.id = x.tenant_id
      where ${inWindow(sql`x.created_at`)}
      group by 1, 2
    ) m on m.tenant_id = g.tenant_id and m.day = g.day
    left join (
      select v.tenant_id, v.day, count(distinct v.user_id)::int as n
      from (
        select x.tenant_id, ${day(sql`x.created_at`)} as day, k.user_id
        from messages x
        join conversations k on k.tenant_id = x.tenant_id and k.id = x.conversation_id
        join tenants t on t.id = x.tenant_id
        where x.role = 'user' and k.user_id is not null and ${inWindow(sql`x.created_at`)}
        union all
        select k.tenant_id, ${day(sql`k.created_at`)}, k.user_id
        from conversations k join tenants t on t.id = k.tenant_id
        where k.user_id is not null and ${inWindow(sql`k.created_at`)}
        union all
        select l.tenant_id, ${day(sql`l.created_at`)}, l.actor_user_id
        from audit_logs l join tenants t on t.id = l.tenant_id
        where l.actor_user_id is not null and ${inWindow(sql`l.created_at`)}
      ) v
      group by 1, 2
    ) a on a.tenant_id = g.tenant_id and a.day = g.day
    left join (
      -- Text stored by the end of each day: what existed before the range counts on its first day,
      -- and the window sum above accumulates the days.
      select w.tenant_id, greatest(w.day, ${from}::date) as day, sum(w.bytes)::bigint as bytes
      from (
        select x.tenant_id, ${day(sql`x.created_at`)} as day, sum(octet_length(x.content))::bigint as bytes
        from knowledge_documents x join tenants t on t.id = x.tenant_id
        where x.created_at < ${hi}::timestamptz
        group by 1, 2
        union all
        select x.tenant_id, ${day(sql`x.created_at`)}, sum(octet_length(x.content))::bigint
        from knowledge_chunks x join tenants t on t.id = x.tenant_id
        where x.created_at < ${hi}::timestamptz
        group by 1, 2
        union all
        select x.tenant_id, ${day(sql`x.created_at`)}, sum(octet_length(x.content))::bigint
        from messages x join tenants t on t.id = x.tenant_id
        where x.created_at < ${hi}::timestamptz
        group by 1, 2
      ) w
      where w.day <= ${to}::date
      group by 1, 2
    ) s on s.tenant_id = g.tenant_id and s.day = g.day
    -- One order for every run: two writers never take the same rows' locks in opposite orders.
    order by g.tenant_id, g.day
    on conflict (tenant_id, "date") do update set
      api_calls = excluded.api_calls,
      messages = excluded.messages,
      active_users = excluded.active_users,
      tokens_used = excluded.tokens_used,
      storage_bytes = excluded.storage_bytes,
      -- The insert's own default (now()), not a call: Citus refuses functions in DO UPDATE SET.
      updated_at = excluded.updated_at
    where (usage_snapshots.api_calls, usage_snapshots.messages, usage_snapshots.active_users,
           usage_snapshots.tokens_used, usage_snapshots.storage_bytes)
      is distinct from (excluded.api_calls, excluded.messages, excluded.active_users,
                        excluded.tokens_used, excluded.storage_bytes)
    returning usage_snapshots.tenant_id`);
  return rowsOf(result).length;
}

/**
 * Derives every tenant's usage of each day from `from` to `to` (default: yesterday and today) from
 * the activity in the database, and upserts one usage snapshot per tenant per day (system work:
 * it reads and writes every tenant). Days are each tenant's local days
 * (`tenants.settings.timeZone`, default UTC). Running it again changes nothing unless the
 * activity changed; two runs at once are serialised. Bad input is refused (INVALID_INPUT) before
 * any SQL; the range is at most 366 days. See the header of this file for the derivation.
 *
 * @example
 * const system = createSystemClient(db, { reason: 'nightly usage snapshots' });
 * const { tenants, days, changed } = await snapshotUsage(system, { from: '2025-06-01', to: '2025-06-30' });
 */
export async function snapshotUsage(scope: SystemScope, options?: SnapshotUsageOptions): Promise<SnapshotUsageResult> {
  const system = requireSystemScope(scope, 'snapshotUsage');
  const { onProgress, ...given } = checkOptions(options);
  const to = given.to ?? utcDay(new Date());
  const from = given.from ?? (isDay(to) ? addDays(to, -1) : undefined);
  const range = checkRange({ from, to }, 'snapshotUsage');
  return system.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_KEY}::bigint)`);
    const { tenants, invalid } = await readZones(tx);
    const zone = zoneOf(invalid);
    let changed = 0;
    for (let done = 0; done < range.days; done += BATCH_DAYS) {
      const n = Math.min(BATCH_DAYS, range.days - done);
      const first = addDays(range.from, done);
      changed += await writeDays(tx, first, addDays(first, n - 1), n, zone);
      onProgress?.(done + n, range.days);
    }
    return { from: range.from, to: range.to, tenants, days: range.days, rows: tenants * range.days, changed };
  });
}
