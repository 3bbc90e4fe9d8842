/**
 * The bench data: generated once per data set, recorded in `bench_meta`, reused while the
 * recorded spec matches. Rows are made in JavaScript from a seeded PRNG and loaded as the
 * superuser with `INSERT … SELECT FROM unnest($1::uuid[], …)`, every value a bound parameter,
 * in batches, one batch in flight while the next is generated.
 *
 * Data sets:
 * - main (`tenantdb_bench`): at scale 1, 1,000 tenants of skewed size (1% are 10× larger),
 *   1,000,000 messages in conversations of ~100 messages, 1,000,000 cost events over the last
 *   90 days across every service; plus the seed 004 design filled with the same conversations
 *   and messages (see seed004.ts).
 * - scaling (`tenantdb_bench_tenants_<n>`): n tenants with the same data each (2 conversations
 *   × 50 messages), tenant k identical in every such database.
 */
import { createDatabase, type Database } from '../src/index.ts';
import { openBenchDatabase, type Backend, type BenchDatabase } from './databases.ts';
import { format, log, Progress, timed } from './progress.ts';
import { int, pick, prng, sentence, uuid, weighted, type Random } from './random.ts';
import { installSeed004 } from './seed004.ts';

/**
 * Bump a kind's version when the data it generates changes shape: every recorded data set of that
 * kind is then regenerated. main 3: the running cost totals are rebuilt after the load.
 */
const GENERATOR_VERSION = { main: 3, scaling: 2 } as const;
const BATCH_ROWS = 10_000;
const LOAD_CONNECTIONS = 2;
const DAY_MS = 86_400_000;
/** Scaling data sets are anchored at a fixed time, so tenant k is the same row for row everywhere. */
const SCALING_ANCHOR = '2025-01-01T00:00:00.000Z';

export interface DatasetSpec {
  version: number;
  kind: 'main' | 'scaling';
  /** The database (server) or label (PGlite). */
  name: string;
  seed: number;
  tenants: number;
  /** How many tenants are `bigFactor` times larger than the others. */
  bigTenants: number;
  bigFactor: number;
  messages: number;
  messagesPerConversation: number;
  costEvents: number;
  /** Whether the seed 004 design is built and filled in this database. */
  seed004: boolean;
}

export interface DatasetInfo {
  spec: DatasetSpec;
  /** Every generated row is older than this; rows the bench inserts are newer. */
  anchor: string;
  counts: Record<string, number>;
  reused: boolean;
  generationSeconds: number;
}

export function mainSpec(scale: number): DatasetSpec {
  const tenants = Math.max(10, Math.round(1000 * scale));
  return {
    version: GENERATOR_VERSION.main,
    kind: 'main',
    name: 'tenantdb_bench',
    seed: 5,
    tenants,
    bigTenants: Math.max(1, Math.round(tenants / 100)),
    bigFactor: 10,
    messages: Math.max(2000, Math.round(1_000_000 * scale)),
    messagesPerConversation: 100,
    costEvents: Math.max(2000, Math.round(1_000_000 * scale)),
    seed004: true,
  };
}

export function scalingSpec(tenants: number): DatasetSpec {
  return {
    version: GENERATOR_VERSION.scaling,
    kind: 'scaling',
    name: `tenantdb_bench_tenants_${tenants}`,
    seed: 7,
    tenants,
    bigTenants: 0,
    bigFactor: 1,
    messages: tenants * 100,
    messagesPerConversation: 50,
    costEvents: 0,
    seed004: false,
  };
}

/**
 * Opens the data set's database and makes sure it holds `spec`'s data: reused when `bench_meta`
 * records the same spec (and, for the main set, the current month, which cost-monthly reads),
 * otherwise dropped, recreated, migrated and generated.
 */
export async function ensureDataset(
  backend: Backend,
  spec: DatasetSpec,
  options: { regenerate: boolean; concurrency: number },
): Promise<{ bench: BenchDatabase; info: DatasetInfo }> {
  let bench = await openBenchDatabase(backend, spec.name, { fresh: false, concurrency: options.concurrency });
  try {
    const stored = await readMeta(bench.db);
    const problem =
      backend.kind === 'pglite'
        ? 'PGlite is in memory: generated on every run'
        : options.regenerate
          ? '--regenerate'
          : reuseProblem(spec, stored);
    if (problem === undefined && stored !== undefined) {
      const removed = await deleteInsertedRows(bench, stored.anchor);
      if (removed > 0) log(`${spec.name}: removed ${format(removed)} rows left by an interrupted run`);
      log(`${spec.name}: reusing the data generated ${stored.anchor} (${describeCounts(stored.counts)})`);
      return { bench, info: { ...stored, reused: true } };
    }
    log(`${spec.name}: generating data (${problem})`);
    if (backend.kind === 'postgres') {
      await bench.close();
      bench = await openBenchDatabase(backend, spec.name, { fresh: true, concurrency: options.concurrency });
    }
    const info = await generate(bench, spec);
    return { bench, info };
  } catch (error) {
    await bench.close();
    throw error;
  }
}

function reuseProblem(spec: DatasetSpec, stored: DatasetInfo | undefined): string | undefined {
  if (stored === undefined) return 'no data generated yet';
  // jsonb does not keep key order, so compare key by key.
  const keys = Object.keys(spec) as (keyof DatasetSpec)[];
  const same = keys.length === Object.keys(stored.spec).length && keys.every((k) => stored.spec[k] === spec[k]);
  if (!same) return 'the recorded data set differs from the one asked for (scale, or a newer generator)';
  if (spec.kind === 'main' && stored.anchor.slice(0, 7) !== new Date().toISOString().slice(0, 7)) {
    return 'generated in an earlier month, and cost-monthly reads the current month';
  }
  return undefined;
}

async function readMeta(db: Database): Promise<DatasetInfo | undefined> {
  const [exists] = await db.rawQuery<{ ok: boolean }>("SELECT to_regclass('public.bench_meta') IS NOT NULL AS ok");
  if (!exists?.ok) return undefined;
  const [row] = await db.rawQuery<{ value: DatasetInfo }>("SELECT value FROM public.bench_meta WHERE key = 'dataset'");
  return row?.value;
}

const DELETE_BATCH = 50_000;

/** Rows the bench inserted (created after the data set's anchor); returns how many were deleted. */
export async function deleteInsertedRows(bench: BenchDatabase, anchor: string): Promise<number> {
  let removed = 0;
  for (const table of ['messages', 'cost_events']) {
    // In batches: cost_events' delete triggers fold each statement's rows into one jsonb value,
    // which a statement of a million rows would overflow.
    for (;;) {
      const rows = await bench.raw.query<{ n: number }>(
        `WITH gone AS (DELETE FROM public.${table} WHERE ctid = ANY (ARRAY(
           SELECT ctid FROM public.${table} WHERE created_at > $1::timestamptz LIMIT ${DELETE_BATCH})) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [anchor],
      );
      const n = rows[0]?.n ?? 0;
      removed += n;
      if (n < DELETE_BATCH) break;
    }
  }
  if (removed > 0) await bench.raw.query('VACUUM (ANALYZE) public.messages, public.cost_events');
  return removed;
}

/**
 * The totals the cost_events triggers keep, recomputed from the events, set-based: the load skips
 * the triggers (session_replication_role = replica), so without this the loaded events would have
 * no running period totals (migration 0017, section 8: every period's summary due, so dirty) and
 * the conversations no cost total (0015). Also run after rows were written with the triggers off.
 * Empties cost_summaries, which the data set starts without.
 */
export async function rebuildCostTotals(bench: BenchDatabase): Promise<void> {
  await bench.db.rawTransaction(async (session) => {
    await session.exec('TRUNCATE public.cost_summaries');
    // The period totals and conversation totals the trigger-less load skipped (migration 0017).
    await session.exec('SELECT tenantdb.rebuild_cost_totals()');
  });
}

export async function countRows(bench: BenchDatabase, spec: DatasetSpec): Promise<Record<string, number>> {
  const tables = ['tenants', 'conversations', 'messages', 'cost_events'];
  if (spec.costEvents > 0) tables.push('cost_period_totals');
  if (spec.seed004) tables.push('seed004.sessions', 'seed004.messages');
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await bench.raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = row?.n ?? 0;
  }
  return counts;
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([table, n]) => `${format(n)} ${table}`)
    .join(', ');
}

/** Messages (and conversations, cost events) per tenant: skewed, summing exactly to the spec. */
export function tenantPlan(spec: DatasetSpec): { messages: number; conversations: number; costEvents: number }[] {
  const weights = Array.from({ length: spec.tenants }, (_, k) => (k < spec.bigTenants ? spec.bigFactor : 1));
  const split = (total: number) => {
    const sum = weights.reduce((a, b) => a + b, 0);
    const parts = weights.map((w) => Math.floor((total * w) / sum));
    let rest = total - parts.reduce((a, b) => a + b, 0);
    for (let k = 0; rest > 0; k = (k + 1) % parts.length, rest--) parts[k] = (parts[k] as number) + 1;
    return parts;
  };
  const messages = split(spec.messages);
  const costEvents = split(spec.costEvents);
  return messages.map((m, k) => ({
    messages: m,
    conversations: Math.max(1, Math.round(m / spec.messagesPerConversation)),
    costEvents: costEvents[k] as number,
  }));
}

const PLANS = ['free', 'starter', 'pro', 'growth'] as const;
const PERSONAS = ['ceo', 'cfo', 'cmo', 'cto'] as const;
/** Cost-event services, weighted like real usage (shared with the bulk-insert scenario). */
export const SERVICE = weighted([
  ['llm', 45],
  ['embedding', 20],
  ['voice_stt', 10],
  ['voice_tts', 10],
  ['vision', 10],
  ['livekit', 5],
] as const);
const PROVIDER: Record<string, string> = {
  llm: 'anthropic',
  embedding: 'voyage',
  voice_stt: 'deepgram',
  voice_tts: 'elevenlabs',
  vision: 'anthropic',
  livekit: 'livekit',
};

/** A batch of rows for one table, as one array per column (the unnest parameters). */
class ColumnBatch {
  readonly columns: unknown[][];
  constructor(
    readonly sql: string,
    width: number,
  ) {
    this.columns = Array.from({ length: width }, () => []);
  }
  get size(): number {
    return this.columns[0]?.length ?? 0;
  }
  push(...values: unknown[]): void {
    values.forEach((value, i) => (this.columns[i] as unknown[]).push(value));
  }
  take(): unknown[][] {
    const taken = this.columns.map((column) => column.splice(0));
    return taken;
  }
}

const INSERT_TENANTS = `
  INSERT INTO public.tenants (id, name, slug, plan, status, created_at, updated_at)
  SELECT id, name, slug, plan, 'ACTIVE', at, at
  FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]::tenant_plan[], $5::timestamptz[]) AS r(id, name, slug, plan, at)`;
const INSERT_CONVERSATIONS = `
  INSERT INTO public.conversations (tenant_id, id, title, persona, created_at, updated_at)
  SELECT tenant_id, id, title, persona, at, at
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]::persona[], $5::timestamptz[]) AS r(tenant_id, id, title, persona, at)`;
const INSERT_MESSAGES = `
  INSERT INTO public.messages (tenant_id, id, conversation_id, role, content, tokens_used, cost_usd, created_at, updated_at)
  SELECT tenant_id, id, conversation_id, role, content, tokens, cost, at, at
  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]::message_role[], $5::text[], $6::int[], $7::numeric[], $8::timestamptz[])
    AS r(tenant_id, id, conversation_id, role, content, tokens, cost, at)`;
const INSERT_COST_EVENTS = `
  INSERT INTO public.cost_events (tenant_id, id, conversation_id, service, provider, tokens_used, cost_usd, occurred_at, created_at, updated_at)
  SELECT tenant_id, id, conversation_id, service, provider, tokens, cost, at, at, at
  FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]::cost_service[], $5::text[], $6::int[], $7::numeric[], $8::timestamptz[])
    AS r(tenant_id, id, conversation_id, service, provider, tokens, cost, at)`;

/**
 * Loads batches as the superuser while the caller generates the next ones: up to `parallel`
 * batches in flight, each in its own transaction on its own connection.
 */
class Loader {
  readonly #inFlight: Promise<void>[] = [];
  constructor(
    private readonly db: Database,
    private readonly parallel: number,
    private readonly progress: Progress,
  ) {}

  async send(batches: ColumnBatch[]): Promise<void> {
    const work = batches.filter((b) => b.size > 0).map((b) => ({ sql: b.sql, rows: b.size, columns: b.take() }));
    if (work.length === 0) return;
    while (this.#inFlight.length >= this.parallel) await this.#inFlight.shift();
    const loading = this.db.rawTransaction(async (session) => {
      // The generator makes consistent data by construction; skipping the per-row foreign-key
      // triggers while loading makes the load several times faster (superuser, this batch only).
      await session.exec('SET LOCAL session_replication_role = replica');
      for (const batch of work) {
        await session.command(batch.sql, batch.columns);
        this.progress.tick(batch.rows);
      }
    });
    // A failure surfaces when this batch is awaited (next sends, or flush), not as unhandled.
    loading.catch(() => {});
    this.#inFlight.push(loading);
  }

  async flush(): Promise<void> {
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
  }
}

async function generate(bench: BenchDatabase, spec: DatasetSpec): Promise<DatasetInfo> {
  const started = performance.now();
  const anchorMs = spec.kind === 'scaling' ? Date.parse(SCALING_ANCHOR) : Math.floor(Date.now() / 1000) * 1000;
  const anchor = new Date(anchorMs).toISOString();
  const plan = tenantPlan(spec);
  const conversationTotal = plan.reduce((sum, t) => sum + t.conversations, 0);
  const total = spec.tenants + conversationTotal + spec.messages + spec.costEvents;
  const progress = new Progress(`${spec.name}: generating`, total, 'rows');
  // On a server, two loading connections of its own (the bench's pools are sized for measuring).
  const loadDb = bench.url === undefined ? bench.db : await createDatabase({ url: bench.url, max: LOAD_CONNECTIONS });
  let tenantIds: string[];
  try {
    tenantIds = await load(
      spec,
      anchorMs,
      new Loader(loadDb, bench.url === undefined ? 1 : LOAD_CONNECTIONS, progress),
    );
  } finally {
    if (loadDb !== bench.db) await loadDb.close();
  }
  progress.finish();

  if (spec.costEvents > 0) {
    await timed(`${spec.name}: rebuilding the running cost totals`, () => rebuildCostTotals(bench));
  }
  if (spec.seed004) await installSeed004(bench, tenantIds, spec.messages);

  await timed(`${spec.name}: VACUUM (ANALYZE)`, () => bench.raw.query('VACUUM (ANALYZE)'));

  const counts = await countRows(bench, spec);
  const info: DatasetInfo = {
    spec,
    anchor,
    counts,
    reused: false,
    generationSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  await bench.db.rawTransaction(async (session) => {
    await session.exec('CREATE TABLE IF NOT EXISTS public.bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)');
    await session.command(
      "INSERT INTO public.bench_meta (key, value) VALUES ('dataset', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify({ ...info, reused: undefined })],
    );
  });
  log(`${spec.name}: ${describeCounts(counts)} in ${info.generationSeconds} s`);
  return info;
}

/** Generates the rows tenant by tenant and hands them to the loader; returns the tenant ids. */
async function load(spec: DatasetSpec, anchorMs: number, loader: Loader): Promise<string[]> {
  const plan = tenantPlan(spec);
  const tenantRows = new ColumnBatch(INSERT_TENANTS, 5);
  const conversationRows = new ColumnBatch(INSERT_CONVERSATIONS, 5);
  const messageRows = new ColumnBatch(INSERT_MESSAGES, 8);
  const costRows = new ColumnBatch(INSERT_COST_EVENTS, 8);
  const randoms: Random[] = plan.map((_, k) => prng(spec.seed * 1_000_003 + k));
  const tenantIds: string[] = [];

  for (let k = 0; k < spec.tenants; k++) {
    const random = randoms[k] as Random;
    const id = uuid(random);
    tenantIds.push(id);
    const tenantPlanName = k < spec.bigTenants ? 'enterprise' : pick(random, PLANS);
    tenantRows.push(
      id,
      `Bench tenant ${k}`,
      `bench-${k}`,
      tenantPlanName,
      new Date(anchorMs - 365 * DAY_MS).toISOString(),
    );
    if (tenantRows.size >= BATCH_ROWS) await loader.send([tenantRows]);
  }
  await loader.send([tenantRows]);

  for (let k = 0; k < spec.tenants; k++) {
    const random = randoms[k] as Random;
    const tenantId = tenantIds[k] as string;
    const { messages, conversations, costEvents } = plan[k] as (typeof plan)[number];
    const conversationIds: string[] = [];
    for (let c = 0; c < conversations; c++) {
      const conversationId = uuid(random);
      conversationIds.push(conversationId);
      // Messages of a conversation are spread evenly; a conversation lasts at most ~17 hours.
      const count = Math.floor(messages / conversations) + (c < messages % conversations ? 1 : 0);
      let at = anchorMs - 90 * DAY_MS + Math.floor(random() * 88 * DAY_MS);
      conversationRows.push(tenantId, conversationId, `Conversation ${c + 1}`, pick(random, PERSONAS), iso(at));
      for (let m = 0; m < count; m++) {
        at += int(random, 20_000, 600_000);
        const assistant = m % 2 === 1;
        const tokens = assistant ? int(random, 50, 1500) : null;
        messageRows.push(
          tenantId,
          uuid(random),
          conversationId,
          assistant ? 'assistant' : 'user',
          sentence(random, int(random, 4, 40)),
          tokens,
          tokens === null ? null : (tokens * 0.000015).toFixed(6),
          iso(at),
        );
      }
      if (messageRows.size >= BATCH_ROWS) await loader.send([conversationRows, messageRows, costRows]);
    }
    for (let e = 0; e < costEvents; e++) {
      const service = SERVICE(random);
      const tokens = service === 'llm' || service === 'embedding' ? int(random, 20, 4000) : null;
      const cost = tokens === null ? 0.0005 + random() * 0.2 : tokens * (service === 'llm' ? 0.000015 : 0.0000001);
      costRows.push(
        tenantId,
        uuid(random),
        service === 'llm' && random() < 0.5 ? pick(random, conversationIds) : null,
        service,
        PROVIDER[service] ?? null,
        tokens,
        cost.toFixed(6),
        iso(anchorMs - 1000 - Math.floor(random() * 90 * DAY_MS)),
      );
      if (costRows.size >= BATCH_ROWS) await loader.send([conversationRows, messageRows, costRows]);
    }
  }
  await loader.send([conversationRows, messageRows, costRows]);
  await loader.flush();
  return tenantIds;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
