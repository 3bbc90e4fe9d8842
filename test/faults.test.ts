/**
 * Faults under load on a pool: 20,000 transactions of 50 tenants at concurrency 32, mixed reads
 * and writes, while some callbacks throw, some statements are cancelled (pg_cancel_backend) and
 * some backends are terminated (pg_terminate_backend) mid-transaction — directly or through
 * PgBouncer. No transaction may see another tenant's row, no failed transaction may leave a
 * partial write (every write inserts two rows carrying one token: 0 or 2 rows, never 1), exactly
 * what the test recorded as committed is in the database, and the pool keeps serving afterwards.
 *
 * Faults:
 * - throw: the callback inserts both rows, then throws → rolled back, 0 rows;
 * - cancel / terminate (targeted): the callback inserts the first row, then sleeps; an admin
 *   connection (direct, not the pool) waits until that backend runs the sleep and cancels the
 *   statement or terminates the backend → the transaction rejects, 0 rows;
 * - racy terminate: the callback asks for its own backend to be terminated and carries on at
 *   once, so the kill lands anywhere — mid-statement, during COMMIT, after it, or in a later
 *   transaction that got the same connection. A transaction killed that way may have failed at
 *   COMMIT time: its outcome is ambiguous and must still be all-or-nothing (0 or 2 rows).
 */
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTenant, withSystemContext, withTenantContext, type OrmTransaction } from '../src/index.ts';
import { messages } from '../src/schema/index.ts';
import { prng, rowsOf, runLimited } from './helpers/load.ts';
import { backend, createTestDatabase, isServer, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { systemOf } from './helpers/tenants.ts';

const TENANTS = 50;
const TRANSACTIONS = 20_000;
const CLEAN_AFTER = 100;
const CONCURRENCY = 32;
const SEED = 0xfa017;
/** Seconds a targeted transaction sleeps waiting for its fault; the fault cuts it short. */
const SLEEP_SECONDS = 5;
/** How long the admin waits for a targeted backend to be seen running the sleep. */
const FAULT_WAIT_MS = 4_000;

/** The error and its `cause` chain (drizzle wraps driver errors, tenantdb wraps drizzle's). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== null && current !== undefined; depth++) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

function sqlStates(error: unknown): string[] {
  return causes(error)
    .map((e) => (typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined))
    .filter((code): code is string => typeof code === 'string');
}

function describeError(error: unknown): string {
  return causes(error)
    .map((e) => {
      const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
      const message = e instanceof Error ? e.message : String(e);
      return `${typeof code === 'string' ? `[${code}] ` : ''}${message.split('\n')[0]}`;
    })
    .join(' ← ');
}

/** 57014: the statement was cancelled (pg_cancel_backend). */
const isCancelled = (error: unknown) => sqlStates(error).includes('57014');

/**
 * The connection was lost: the server's FATAL 57P01 (pg_terminate_backend), a connection-class
 * SQLSTATE (08xxx, e.g. from PgBouncer), or the driver's own errors for a dead socket (the
 * ROLLBACK drizzle sends after the failure fails too and replaces the original error).
 */
const isConnectionLoss = (error: unknown) =>
  sqlStates(error).some((code) => code === '57P01' || code.startsWith('08')) ||
  /terminat|not queryable|server conn crashed|connection (is )?closed|ECONNRESET|EPIPE|Client was closed/i.test(
    describeError(error),
  );

class Thrown extends Error {}

/**
 * How many of `max` tenant transactions the application pool runs at once: each holds its pool
 * client until all have one (or 2 s have passed). A leaked client is never handed out again, so
 * a pool of `max` with one leaked gives `max - 1`. The transactions send no statement (BEGIN
 * travels with the first one), so they need no server connection, even through PgBouncer.
 */
async function clientsAtOnce(db: TestDb, max: number): Promise<number> {
  let holding = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const timer = setTimeout(release, 2_000);
  const transactions = Array.from({ length: max }, () =>
    db.tenantTransaction(async () => {
      holding++;
      if (holding === max) release();
      await released;
    }),
  );
  await released;
  const atOnce = holding;
  clearTimeout(timer);
  await Promise.all(transactions);
  return atOnce;
}

type Fault = 'none' | 'throw' | 'cancel' | 'terminate' | 'racy';
type Outcome = 'committed' | 'absent' | 'ambiguous';

/**
 * Cancels or terminates other backends from one direct admin connection (never the pool under
 * test, never through PgBouncer: through PgBouncer `pg_backend_pid()` is the server backend's pid,
 * which is what the admin signals).
 */
class Admin {
  private readonly client: pg.Client;
  private readonly pending = new Set<Promise<void>>();
  /** The admin's queries, one at a time (pg's own queueing of concurrent queries is deprecated). */
  private queue: Promise<unknown> = Promise.resolve();
  readonly errors: string[] = [];
  /** Targeted faults whose backend was never seen running the sleep (must stay 0). */
  missed = 0;
  /** Targeted backends that were gone (killed by a racy terminate) before their fault. */
  gone = 0;
  /** Signals that reported no such backend (pg_*_backend returned false). */
  notDelivered = 0;

  constructor(url: string) {
    this.client = new pg.Client({ connectionString: url });
    this.client.on('error', (error) => this.errors.push(describeError(error)));
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  end(): Promise<void> {
    return this.client.end();
  }

  /** Waits until `pid` runs pg_sleep, then cancels its statement or terminates it. Tracked. */
  interruptSleeping(pid: number, how: 'cancel' | 'terminate'): void {
    this.track(async () => {
      const deadline = Date.now() + FAULT_WAIT_MS;
      for (;;) {
        const rows = await this.query<{ sleeping: boolean }>(
          `select state = 'active' and query like '%pg_sleep%' as sleeping from pg_stat_activity where pid = $1`,
          [pid],
        );
        if (rows.length === 0) {
          this.gone++;
          return;
        }
        if (rows[0]?.sleeping) break;
        if (Date.now() > deadline) {
          this.missed++;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await this.signal(pid, how);
    });
  }

  /** Terminates `pid` now, whatever it is doing. Tracked. */
  terminateNow(pid: number): void {
    this.track(() => this.signal(pid, 'terminate'));
  }

  /** Resolves when every fault asked for so far has been delivered (or has failed). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async signal(pid: number, how: 'cancel' | 'terminate'): Promise<void> {
    const fn = how === 'cancel' ? 'pg_cancel_backend' : 'pg_terminate_backend';
    const rows = await this.query<{ ok: boolean }>(`select ${fn}($1) as ok`, [pid]);
    if (rows[0]?.ok !== true) this.notDelivered++;
  }

  private query<R extends pg.QueryResultRow>(text: string, params: unknown[]): Promise<R[]> {
    const result = this.queue.then(() => this.client.query<R>(text, params)).then((r) => r.rows);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private track(work: () => Promise<void>): void {
    const promise: Promise<void> = work()
      .catch((error: unknown) => {
        this.errors.push(describeError(error));
      })
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }
}

// PGlite is one in-process connection: there is no pool, no second connection to cancel or
// terminate a backend from, and no concurrency to fault.
describe.skipIf(!isServer)(`faults (${backend})`, () => {
  let t: TestDatabase;
  let db: TestDb;
  let admin: Admin;
  const tenants: { id: string; conversationId: string }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    db = await t.connect({ max: CONCURRENCY });
    admin = new Admin(process.env.DATABASE_URL as string);
    await admin.connect();
    for (let i = 0; i < TENANTS; i++) {
      const { tenant } = await provisionTenant(systemOf(db), { name: `Tenant ${i}`, slug: `faults-${i}` });
      const conversation = await withTenantContext(db, { tenantId: tenant.id }, (_tx, scoped) =>
        scoped.tables.conversations.insert({ title: `conversation of tenant ${i}` }),
      );
      tenants.push({ id: tenant.id, conversationId: conversation.id });
    }
  });
  afterAll(async () => {
    await admin?.end();
    // A leaked pool client makes pool.end() wait forever: fail fast and say so.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('dispose() did not finish in 15 s: a pool client was never released')),
        15_000,
      );
    });
    try {
      await Promise.race([t?.dispose(), stuck]);
    } finally {
      clearTimeout(timer);
    }
  });

  it(`${TENANTS} tenants, ${TRANSACTIONS} transactions at concurrency ${CONCURRENCY} with thrown callbacks, cancelled statements and terminated backends: no foreign rows, no partial writes, exact commits, the pool keeps serving`, async () => {
    const random = prng(SEED);
    const tenantOf = new Map<string, string>(); // token → tenant id
    const outcomes = new Map<string, Outcome>(); // token → what the test saw
    const counts = {
      reads: 0,
      writes: 0,
      committed: 0,
      committedWrites: 0,
      rolledBack: 0,
      thrown: 0,
      cancelled: 0,
      terminated: 0,
      racy: 0,
      racyCommitted: 0,
      collateral: 0,
      ambiguous: 0,
    };
    /** Thrown or cancelled transactions a racy terminate killed before their own fault. */
    const killedFirst = { throw: 0, cancel: 0 };
    let foreignRows = 0;
    let wrongContexts = 0;
    const faultsNotRejected: string[] = [];
    const wrongFaultErrors: string[] = [];
    const unexpectedErrors: string[] = [];

    /** Inserts the token's two rows, with the fault in between or after. */
    const write = async (tx: OrmTransaction, tenant: (typeof tenants)[number], token: string, fault: Fault) => {
      const row = (role: 'user' | 'assistant') => ({ conversationId: tenant.conversationId, role, content: token });
      if (fault === 'cancel' || fault === 'terminate' || fault === 'racy') {
        const [backendRow] = await rowsOf<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
        if (!backendRow) throw new Error('pg_backend_pid() returned no row');
        if (fault === 'racy') {
          admin.terminateNow(backendRow.pid);
        } else {
          await tx.insert(messages).values(row('user'));
          const sleeping = tx.execute(sql.raw(`select pg_sleep(${SLEEP_SECONDS})`));
          admin.interruptSleeping(backendRow.pid, fault);
          await sleeping;
          await tx.insert(messages).values(row('assistant'));
          return;
        }
      }
      await tx.insert(messages).values([row('user'), row('assistant')]);
      if (fault === 'throw') throw new Thrown(`throw in ${token}`);
    };

    /** Reads the tenant's messages with plain drizzle (RLS alone filters) and checks the context. */
    const read = async (tx: OrmTransaction, tenant: (typeof tenants)[number], limit: number | undefined) => {
      const [ctx] = await rowsOf<{ tenant: string | null }>(
        tx,
        sql`select tenantdb.current_tenant_id()::text as tenant`,
      );
      if (ctx?.tenant !== tenant.id) wrongContexts++;
      const query = tx.select().from(messages);
      const visible = limit === undefined ? await query : await query.limit(limit);
      foreignRows += visible.filter((m) => m.tenantId !== tenant.id).length;
    };

    const makeTask = (i: number, fault: Fault, isRead: boolean, label: string): (() => Promise<void>) => {
      const tenant = tenants[i % TENANTS] as (typeof tenants)[number];
      const token = `${label} ${i}`;
      const limit = random() < 0.5 ? 1 + Math.floor(random() * 100) : undefined;
      if (!isRead) tenantOf.set(token, tenant.id);
      return async () => {
        try {
          await withTenantContext(db, { tenantId: tenant.id }, (tx) =>
            isRead ? read(tx, tenant, limit) : write(tx, tenant, token, fault),
          );
          counts.committed++;
          if (!isRead) {
            counts.committedWrites++;
            outcomes.set(token, 'committed');
          }
          if (fault === 'racy') counts.racyCommitted++;
          if (fault === 'throw' || fault === 'cancel' || fault === 'terminate') faultsNotRejected.push(token);
        } catch (error) {
          counts.rolledBack++;
          if (!isRead) outcomes.set(token, 'absent');
          if (fault === 'throw' && error instanceof Thrown) counts.thrown++;
          else if (fault === 'cancel' && isCancelled(error)) counts.cancelled++;
          else if (fault === 'terminate' && isConnectionLoss(error)) counts.terminated++;
          else if (isConnectionLoss(error)) {
            // Killed by a racy terminate (its own, or one that landed on the connection it got
            // next). A thrown or targeted transaction never reaches COMMIT, so it is still absent;
            // any other write may have failed at COMMIT time: whether it committed is unknown.
            if (fault !== 'racy') counts.collateral++;
            if (fault === 'throw' || fault === 'cancel') killedFirst[fault]++;
            if (!isRead && (fault === 'none' || fault === 'racy')) {
              counts.ambiguous++;
              outcomes.set(token, 'ambiguous');
            }
          } else if (fault === 'none' || fault === 'racy') {
            unexpectedErrors.push(`${token}: ${describeError(error)}`);
          } else {
            wrongFaultErrors.push(`${token} (${fault}): ${describeError(error)}`);
          }
        }
      };
    };

    const faults: Record<Fault, number> = { none: 0, throw: 0, cancel: 0, terminate: 0, racy: 0 };
    const tasks: (() => Promise<void>)[] = [];
    for (let i = 0; i < TRANSACTIONS; i++) {
      // A fixed schedule of faults (no index gets two), then a seeded shuffle.
      const fault: Fault =
        i % 20 === 10
          ? 'throw'
          : i % 50 === 25
            ? 'cancel'
            : i % 80 === 40
              ? 'terminate'
              : i % 200 === 199
                ? 'racy'
                : 'none';
      faults[fault]++;
      const isRead = fault === 'none' && random() < 0.5;
      if (isRead) counts.reads++;
      else counts.writes++;
      tasks.push(makeTask(i, fault, isRead, 'faults'));
    }
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j] as () => Promise<void>, tasks[i] as () => Promise<void>];
    }

    const started = performance.now();
    await runLimited(tasks, CONCURRENCY);
    await admin.settled();
    const elapsed = (performance.now() - started) / 1000;

    // The pool keeps serving: 100 clean transactions (reads and writes) after the faults, all of
    // which must succeed. A short pause lets the last terminated connections be noticed and
    // dropped (by the pool's idle listener, or by PgBouncer), as they would be in production.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const errorsBeforeClean = unexpectedErrors.length + counts.collateral;
    const clean: (() => Promise<void>)[] = [];
    for (let i = 0; i < CLEAN_AFTER; i++) clean.push(makeTask(i, 'none', i % 2 === 0, 'clean'));
    const committedBeforeClean = counts.committed;
    await runLimited(clean, CONCURRENCY);
    const cleanCommitted = counts.committed - committedBeforeClean;
    const cleanFailures = unexpectedErrors.length + counts.collateral - errorsBeforeClean;
    // Every transaction has settled, so no client may still be checked out of the pool: one that
    // is was leaked (never released) — a slot lost for good, and a pool.end() that never resolves.
    // The faulted transactions ran on the application connection's pool (in split mode not the
    // system pool behind dangerouslyPrivilegedOrm), so count what it can still hand out at once.
    const leakedClients = CONCURRENCY - (await clientsAtOnce(db, CONCURRENCY));

    // What committed, counted cross-tenant in the system context, per token and per tenant.
    const stored = await withSystemContext(
      db,
      (tx) =>
        rowsOf<{ tenant_id: string; content: string; n: number }>(
          tx,
          sql`select tenant_id::text, content, count(*)::int as n from messages group by tenant_id, content`,
        ),
      { reason: 'faults test: count all messages' },
    );
    const rowsOfToken = new Map<string, number>();
    const perTenant = new Map<string, number>(tenants.map((x) => [x.id, 0]));
    let unknownRows = 0;
    let misplacedRows = 0;
    for (const r of stored) {
      perTenant.set(r.tenant_id, (perTenant.get(r.tenant_id) ?? 0) + r.n);
      if (!tenantOf.has(r.content)) unknownRows += r.n;
      else if (tenantOf.get(r.content) !== r.tenant_id) misplacedRows += r.n;
      rowsOfToken.set(r.content, (rowsOfToken.get(r.content) ?? 0) + r.n);
    }
    let partialWrites = 0;
    let lostCommits = 0;
    let leakedRollbacks = 0;
    let ambiguousCommitted = 0;
    const expectedPerTenant = new Map<string, number>(tenants.map((x) => [x.id, 0]));
    for (const [token, tenantId] of tenantOf) {
      const n = rowsOfToken.get(token) ?? 0;
      const outcome = outcomes.get(token);
      if (n !== 0 && n !== 2) partialWrites++;
      if (outcome === 'committed' && n !== 2) lostCommits++;
      if (outcome === 'absent' && n !== 0) leakedRollbacks++;
      if (outcome === 'ambiguous' && n === 2) ambiguousCommitted++;
      const expected = outcome === 'committed' || (outcome === 'ambiguous' && n === 2) ? 2 : 0;
      expectedPerTenant.set(tenantId, (expectedPerTenant.get(tenantId) ?? 0) + expected);
    }
    const storedTotal = [...perTenant.values()].reduce((a, b) => a + b, 0);

    console.log(
      `faults (${backend}): ${TRANSACTIONS} transactions (${counts.reads} reads, ${counts.writes} writes) of ${TENANTS} tenants at concurrency ${CONCURRENCY} in ${elapsed.toFixed(1)} s ` +
        `(${Math.round(TRANSACTIONS / elapsed)} tx/s); ${counts.committed - cleanCommitted} committed, ${counts.rolledBack} rolled back: ` +
        `${counts.thrown}/${faults.throw} thrown, ${counts.cancelled}/${faults.cancel} cancelled (${killedFirst.throw} + ${killedFirst.cancel} killed first), ${counts.terminated}/${faults.terminate} terminated mid-transaction, ` +
        `${faults.racy} racy terminations (${counts.racyCommitted} of them still committed), ${counts.collateral} collateral failures, ` +
        `${counts.ambiguous} ambiguous writes (${ambiguousCommitted} committed, ${counts.ambiguous - ambiguousCommitted} not); ` +
        `${foreignRows} foreign rows, ${wrongContexts} wrong contexts, ${partialWrites} partial writes, ${lostCommits} lost commits, ${leakedRollbacks} leaked rollbacks, ` +
        `${unknownRows} unknown rows, ${misplacedRows} misplaced rows; ${storedTotal} rows stored = ${[...expectedPerTenant.values()].reduce((a, b) => a + b, 0)} expected; ` +
        `after the run ${cleanCommitted}/${CLEAN_AFTER} clean transactions succeeded, ${leakedClients} pool clients leaked; ` +
        `${faultsNotRejected.length} faults not rejected, ${wrongFaultErrors.length} wrong fault errors, ${unexpectedErrors.length} unexpected errors, ` +
        `admin: ${admin.missed} missed, ${admin.gone} gone before their fault, ${admin.notDelivered} not delivered, ${admin.errors.length} errors`,
    );
    for (const e of [...wrongFaultErrors, ...unexpectedErrors, ...admin.errors].slice(0, 10)) console.log(`  ${e}`);

    // The schedule ran as planned: every fault was delivered and rejected its transaction.
    expect(admin.errors).toEqual([]);
    expect(admin.missed).toBe(0);
    expect(faultsNotRejected).toEqual([]);
    expect(wrongFaultErrors).toEqual([]);
    expect(unexpectedErrors).toEqual([]);
    expect(counts.thrown + killedFirst.throw).toBe(faults.throw);
    expect(counts.cancelled + killedFirst.cancel).toBe(faults.cancel);
    expect(counts.collateral).toBeLessThanOrEqual(faults.racy);
    expect(counts.terminated).toBe(faults.terminate);
    expect(counts.cancelled + counts.terminated + faults.racy).toBeGreaterThanOrEqual(300);
    expect(counts.reads).toBeGreaterThan(5_000);
    expect(counts.writes).toBeGreaterThan(5_000);

    // Isolation and atomicity under faults.
    expect(foreignRows).toBe(0);
    expect(wrongContexts).toBe(0);
    expect(partialWrites).toBe(0);
    expect(lostCommits).toBe(0);
    expect(leakedRollbacks).toBe(0);
    expect(unknownRows).toBe(0);
    expect(misplacedRows).toBe(0);
    for (const tenant of tenants) expect(perTenant.get(tenant.id)).toBe(expectedPerTenant.get(tenant.id));
    expect(storedTotal).toBe(2 * (counts.committedWrites + ambiguousCommitted));

    // The pool keeps serving.
    expect(cleanFailures).toBe(0);
    expect(cleanCommitted).toBe(CLEAN_AFTER);
    expect(leakedClients).toBe(0);
  });
});
