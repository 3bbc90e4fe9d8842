/**
 * The scenarios. Each runs the same work on several sides:
 * - raw: the SQL written by hand with an explicit `tenant_id = $1`, on a plain pg.Pool connected
 *   as the superuser (RLS bypassed, no context) — the floor tenantdb is measured against;
 * - tenantdb: the same SQL without the tenant predicate (inserts: the very same statement), through
 *   `createTenantClient(db, { tenantId }).query(text, params)` on `createDatabase({ url })`:
 *   the context opened in the statement's pipeline, the role switch to tenantdb_app, and RLS
 *   adding the tenant predicate. This is what isolation costs, and what the targets judge;
 * - orm (information): the same operation through the tenant client's scoped API
 *   (`tables.messages.findFirst`, `findMany`, `insert`; Drizzle's builders for the aggregate). The
 *   difference to `tenantdb` is Drizzle building the SQL and mapping the rows, not isolation.
 * seed004-list adds a side: the same list through the seed 004 design.
 *
 * `prepare` picks every target (tenant, ids, cursors, rows to insert) and creates the tenant
 * clients up front, so an operation does nothing but the operation.
 */
import { gte, sql, sum, type SQL } from 'drizzle-orm';
import { createTenantClient, type BuiltinSchema, type Orm, type TenantClient } from '../src/index.ts';
import type { messages } from '../src/schema/index.ts';
import { costEvents } from '../src/schema/index.ts';
import type { BenchDatabase } from './databases.ts';
import { deleteInsertedRows, SERVICE, type DatasetInfo } from './generate.ts';
import { int, prng, sentence, shuffle } from './random.ts';
import { checkSeed004Role, openSeed004Runner, seed004ListSql, type Seed004Runner } from './seed004.ts';

export const SCENARIO_NAMES = [
  'point-read',
  'list-latest-50',
  'seed004-list',
  'cost-monthly',
  'insert-message',
  'bulk-insert-cost-1000',
  'scaling-list-10',
  'scaling-list-1000',
  'scaling-list-10000',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export type SideName = 'raw' | 'tenantdb' | 'orm' | 'seed004';

/** One side of a scenario: `op(i)` runs the i-th operation (on target i modulo the targets). */
export interface Side {
  name: SideName;
  op: (i: number) => Promise<unknown>;
}

export type Target =
  /** Single statements: tenantdb p50 ÷ raw p50 at most `max`. */
  | { kind: 'p50'; max: number }
  /** Lists, aggregates, bulk: tenantdb ops/s ÷ raw ops/s at least `min`. */
  | { kind: 'ops'; min: number }
  /** Judged across the three scaling scenarios (p50 at 10,000 tenants vs at 10). */
  | { kind: 'scaling' }
  | { kind: 'info' };

/** A tenantdb statement to EXPLAIN inside its tenant context. */
export interface ExplainSpec {
  tenantId: string;
  /** The table the statement reads or writes. */
  table: string;
  /** The tenantdb side's statement (anything with toSQL(): Drizzle builders or SQL text with its parameters). */
  statement: { toSQL(): { sql: string; params: unknown[] } };
  /** Reads must use an index led by tenant_id; inserts scan nothing. */
  expectScan: boolean;
}

export interface PreparedScenario {
  targets: number;
  sides: Side[];
  explain: ExplainSpec;
  /** seed004-list: the seed's statement, run the seed's way. */
  seed004Explain?: { runner: Seed004Runner; tenantId: string; text: string; params: unknown[] };
  /** Undoes what the operations wrote. */
  cleanup?: () => Promise<void>;
  close?: () => Promise<void>;
}

export interface ScenarioEnv {
  bench: BenchDatabase;
  info: DatasetInfo;
  concurrency: number;
}

export interface Scenario {
  name: ScenarioName;
  description: string;
  /** 'main', or the base tenant count of a scaling data set (10, 1,000 or 10,000 at scale ≥ 1). */
  dataset: 'main' | number;
  target: Target;
  prepare(env: ScenarioEnv): Promise<PreparedScenario>;
}

export const SINGLE_STATEMENT = { kind: 'p50', max: 1.15 } as const satisfies Target;
export const THROUGHPUT = { kind: 'ops', min: 0.95 } as const satisfies Target;

const MESSAGE_COLUMNS =
  'tenant_id, id, conversation_id, role, content, attachments, metadata, tokens_used, cost_usd, created_at, updated_at';
const COST_COLUMNS =
  'tenant_id, id, conversation_id, service, provider, tokens_used, cost_usd, metadata, occurred_at, created_at, updated_at';

const LIST_TARGETS = 2000;
const POINT_TARGETS = 5000;
const BULK_BATCHES = 16;
const BULK_ROWS = 1000;

export const SCENARIOS: Scenario[] = [
  {
    name: 'point-read',
    description: 'one message by id, of a tenant picked in proportion to its size',
    dataset: 'main',
    target: SINGLE_STATEMENT,
    async prepare({ bench }) {
      const picks = await sampleMessages(bench, POINT_TARGETS);
      const clients = tenantClients(bench, picks);
      const rawSql = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND id = $2 LIMIT 1`;
      const tenantSql = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE id = $1 LIMIT 1`;
      const first = at(picks, 0);
      return {
        targets: picks.length,
        sides: [
          { name: 'raw', op: (i) => bench.raw.query(rawSql, [at(picks, i).tenantId, at(picks, i).id]) },
          {
            name: 'tenantdb',
            op: (i) => {
              const { tenantId, id } = at(picks, i);
              return client(clients, tenantId).query(tenantSql, [id]);
            },
          },
          {
            name: 'orm',
            op: (i) => {
              const { tenantId, id } = at(picks, i);
              return client(clients, tenantId).tables.messages.findFirst({ where: (m, { eq }) => eq(m.id, id) });
            },
          },
        ],
        explain: {
          tenantId: first.tenantId,
          table: 'messages',
          expectScan: true,
          statement: statement(tenantSql, [first.id]),
        },
      };
    },
  },
  {
    name: 'list-latest-50',
    description:
      'latest 50 messages of a conversation, keyset order (created_at desc, id desc); half the targets ask for the page after a cursor',
    dataset: 'main',
    target: THROUGHPUT,
    prepare: (env) => prepareList(env, false),
  },
  {
    name: 'seed004-list',
    description:
      'the same list through the seed 004 design (no tenant_id on messages, IN-subquery policy, current_setting per row), next to tenantdb in the same run',
    dataset: 'main',
    target: { kind: 'info' },
    prepare: (env) => prepareList(env, true),
  },
  {
    name: 'cost-monthly',
    description: "a tenant's cost per service for the current month (sum of cost_usd grouped by service and month)",
    dataset: 'main',
    target: THROUGHPUT,
    async prepare({ bench }) {
      const tenantIds = (await sampleConversations(bench, LIST_TARGETS)).map((c) => c.tenantId);
      const clients = tenantClients(
        bench,
        tenantIds.map((tenantId) => ({ tenantId })),
      );
      const rawSql = `SELECT service, date_trunc('month', occurred_at) AS month, sum(cost_usd) AS total
        FROM public.cost_events WHERE tenant_id = $1 AND occurred_at >= date_trunc('month', now())
        GROUP BY service, date_trunc('month', occurred_at)`;
      const tenantSql = `SELECT service, date_trunc('month', occurred_at) AS month, sum(cost_usd) AS total
        FROM public.cost_events WHERE occurred_at >= date_trunc('month', now())
        GROUP BY service, date_trunc('month', occurred_at)`;
      return {
        targets: tenantIds.length,
        sides: [
          { name: 'raw', op: (i) => bench.raw.query(rawSql, [at(tenantIds, i)]) },
          // No tenant filter written here: RLS supplies it.
          { name: 'tenantdb', op: (i) => client(clients, at(tenantIds, i)).query(tenantSql) },
          { name: 'orm', op: (i) => client(clients, at(tenantIds, i)).run(async (tx) => costThisMonth(tx)) },
        ],
        explain: {
          tenantId: at(tenantIds, 0),
          table: 'cost_events',
          expectScan: true,
          statement: statement(tenantSql, []),
        },
      };
    },
  },
  {
    name: 'insert-message',
    description: 'insert one message into a conversation (rows removed after the scenario)',
    dataset: 'main',
    target: SINGLE_STATEMENT,
    async prepare({ bench, info }) {
      const random = prng(11);
      const picks = (await sampleConversations(bench, LIST_TARGETS)).map((c, i) => ({
        ...c,
        role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
        content: sentence(random, int(random, 4, 40)),
      }));
      const clients = tenantClients(bench, picks);
      const rawSql = `INSERT INTO public.messages (tenant_id, conversation_id, role, content) VALUES ($1, $2, $3, $4)
        RETURNING ${MESSAGE_COLUMNS}`;
      // The same statement: tenant_id stays explicit (RLS checks it against the context).
      const tenantSql = rawSql;
      const first = at(picks, 0);
      return {
        targets: picks.length,
        sides: [
          {
            name: 'raw',
            op: (i) => {
              const p = at(picks, i);
              return bench.raw.query(rawSql, [p.tenantId, p.conversationId, p.role, p.content]);
            },
          },
          {
            name: 'tenantdb',
            op: (i) => {
              const p = at(picks, i);
              return client(clients, p.tenantId).query(tenantSql, [p.tenantId, p.conversationId, p.role, p.content]);
            },
          },
          {
            name: 'orm',
            op: (i) => {
              const p = at(picks, i);
              return client(clients, p.tenantId).tables.messages.insert({
                conversationId: p.conversationId,
                role: p.role,
                content: p.content,
              });
            },
          },
        ],
        explain: {
          tenantId: first.tenantId,
          table: 'messages',
          expectScan: false,
          statement: statement(tenantSql, [first.tenantId, first.conversationId, first.role, '…']),
        },
        cleanup: async () => {
          await deleteInsertedRows(bench, info.anchor);
        },
      };
    },
  },
  {
    name: 'bulk-insert-cost-1000',
    description: '1,000 cost events in one INSERT statement (rows removed after the scenario)',
    dataset: 'main',
    target: THROUGHPUT,
    async prepare({ bench, info }) {
      const random = prng(13);
      const tenantIds = (await sampleConversations(bench, BULK_BATCHES)).map((c) => c.tenantId);
      const clients = tenantClients(
        bench,
        tenantIds.map((tenantId) => ({ tenantId })),
      );
      const now = Date.now();
      const batches = tenantIds.map((tenantId) => {
        const rows = Array.from({ length: BULK_ROWS }, () => {
          const s = SERVICE(random);
          const tokens = s === 'llm' || s === 'embedding' ? int(random, 20, 4000) : null;
          return {
            service: s,
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
      });
      const values = Array.from({ length: BULK_ROWS }, (_, r) => {
        const p = 2 + r * 5;
        return `($1, $${p}::cost_service, $${p + 1}, $${p + 2}::int, $${p + 3}::numeric, $${p + 4}::timestamptz)`;
      });
      const rawSql = `INSERT INTO public.cost_events (tenant_id, service, provider, tokens_used, cost_usd, occurred_at)
        VALUES ${values.join(', ')} RETURNING ${COST_COLUMNS}`;
      const first = at(batches, 0);
      return {
        targets: batches.length,
        sides: [
          { name: 'raw', op: (i) => bench.raw.query(rawSql, at(batches, i).params) },
          // The same statement and parameters: tenant_id stays explicit (RLS checks every row).
          {
            name: 'tenantdb',
            op: (i) => client(clients, at(batches, i).tenantId).query(rawSql, at(batches, i).params),
          },
          {
            name: 'orm',
            op: (i) => client(clients, at(batches, i).tenantId).tables.costEvents.insert(at(batches, i).rows),
          },
        ],
        explain: {
          tenantId: first.tenantId,
          table: 'cost_events',
          expectScan: false,
          statement: statement(rawSql, first.params),
        },
        cleanup: async () => {
          await deleteInsertedRows(bench, info.anchor);
        },
      };
    },
  },
  ...[10, 1000, 10_000].map((tenants): Scenario => ({
    name: `scaling-list-${tenants}` as ScenarioName,
    description: `list-latest-50 in a database of ${tenants.toLocaleString('en-US')} tenants, each with the same 2 conversations × 50 messages`,
    dataset: tenants,
    target: { kind: 'scaling' },
    prepare: (env) => prepareList(env, false),
  })),
];

/** The cost-monthly statement, as tenant.run gets it: no tenant filter, RLS adds it. */
function costThisMonth(orm: Pick<Orm, 'select'>) {
  const month = sql<string>`date_trunc('month', ${costEvents.occurredAt})`;
  return orm
    .select({ service: costEvents.service, month, total: sum(costEvents.costUsd) })
    .from(costEvents)
    .where(gte(costEvents.occurredAt, sql`date_trunc('month', now())`))
    .groupBy(costEvents.service, month);
}

interface ListTarget {
  tenantId: string;
  conversationId: string;
  /** The page after this message (keyset cursor), or the first page. */
  cursor: { at: string; localAt: string; id: string } | undefined;
}

async function prepareList({ bench, concurrency }: ScenarioEnv, withSeed004: boolean): Promise<PreparedScenario> {
  const picks = await listTargets(bench);
  const clients = tenantClients(bench, picks);
  const rawFirstPage = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND conversation_id = $2
    ORDER BY created_at DESC, id DESC LIMIT 50`;
  const rawNextPage = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND conversation_id = $2
    AND (created_at, id) < ($3::timestamptz, $4::uuid) ORDER BY created_at DESC, id DESC LIMIT 50`;
  const tenantFirstPage = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE conversation_id = $1
    ORDER BY created_at DESC, id DESC LIMIT 50`;
  const tenantNextPage = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE conversation_id = $1
    AND (created_at, id) < ($2::timestamptz, $3::uuid) ORDER BY created_at DESC, id DESC LIMIT 50`;
  const sides: Side[] = [
    {
      name: 'raw',
      op: (i) => {
        const { tenantId, conversationId, cursor } = at(picks, i);
        return cursor
          ? bench.raw.query(rawNextPage, [tenantId, conversationId, cursor.at, cursor.id])
          : bench.raw.query(rawFirstPage, [tenantId, conversationId]);
      },
    },
    {
      name: 'tenantdb',
      op: (i) => {
        const { tenantId, conversationId, cursor } = at(picks, i);
        return cursor
          ? client(clients, tenantId).query(tenantNextPage, [conversationId, cursor.at, cursor.id])
          : client(clients, tenantId).query(tenantFirstPage, [conversationId]);
      },
    },
    {
      name: 'orm',
      op: (i) => {
        const { tenantId, conversationId, cursor } = at(picks, i);
        return client(clients, tenantId).tables.messages.findMany({
          where: (m, { and, eq }) => and(eq(m.conversationId, conversationId), keyset(m, cursor)),
          orderBy: (m, { desc }) => [desc(m.createdAt), desc(m.id)],
          limit: 50,
        });
      },
    },
  ];
  // The EXPLAIN uses a target with a cursor when there is one: the harder of the two shapes.
  const first = picks.find((p) => p.cursor !== undefined) ?? at(picks, 0);
  const prepared: PreparedScenario = {
    targets: picks.length,
    sides,
    explain: {
      tenantId: first.tenantId,
      table: 'messages',
      expectScan: true,
      statement: first.cursor
        ? statement(tenantNextPage, [first.conversationId, first.cursor.at, first.cursor.id])
        : statement(tenantFirstPage, [first.conversationId]),
    },
  };
  if (!withSeed004) return prepared;

  await checkSeed004Role(bench);
  const runner = openSeed004Runner(bench, concurrency);
  const seedParams = (p: ListTarget): unknown[] =>
    p.cursor ? [p.conversationId, p.cursor.localAt, p.cursor.id] : [p.conversationId];
  sides.push({
    name: 'seed004',
    op: (i) => {
      const p = at(picks, i);
      return runner.query(p.tenantId, seed004ListSql(p.cursor !== undefined), seedParams(p));
    },
  });
  return {
    ...prepared,
    seed004Explain: {
      runner,
      tenantId: first.tenantId,
      text: seed004ListSql(first.cursor !== undefined),
      params: seedParams(first),
    },
    close: () => runner.close(),
  };
}

function keyset(
  m: { createdAt: typeof messages.createdAt; id: typeof messages.id },
  cursor: ListTarget['cursor'],
): SQL | undefined {
  return cursor ? sql`(${m.createdAt}, ${m.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
}

/** Conversations picked uniformly, so a tenant is picked in proportion to its size (as traffic is). */
async function sampleConversations(
  bench: BenchDatabase,
  n: number,
): Promise<{ tenantId: string; conversationId: string }[]> {
  const rows = await bench.raw.query<{ tenant_id: string; id: string }>(
    'SELECT tenant_id, id FROM public.conversations ORDER BY md5(id::text) LIMIT $1',
    [n],
  );
  if (rows.length === 0) throw new Error(`${bench.name} has no conversations: rerun with --regenerate.`);
  return shuffle(
    prng(3),
    rows.map((r) => ({ tenantId: r.tenant_id, conversationId: r.id })),
  );
}

/** Messages picked uniformly (a tenant in proportion to its size), from a table sample. */
async function sampleMessages(bench: BenchDatabase, n: number): Promise<{ tenantId: string; id: string }[]> {
  const [count] = await bench.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM public.messages');
  const percent = Math.min(100, ((n * 1.5) / Math.max(count?.n ?? 1, 1)) * 100);
  const rows = await bench.raw.query<{ tenant_id: string; id: string }>(
    'SELECT tenant_id, id FROM public.messages TABLESAMPLE BERNOULLI ($1) REPEATABLE (17) LIMIT $2',
    [percent, n],
  );
  if (rows.length === 0) throw new Error(`${bench.name} has no messages: rerun with --regenerate.`);
  return shuffle(
    prng(5),
    rows.map((r) => ({ tenantId: r.tenant_id, id: r.id })),
  );
}

/** Conversations to list; half of them with a cursor 5 to 44 messages down (the next page). */
async function listTargets(bench: BenchDatabase): Promise<ListTarget[]> {
  const random = prng(9);
  const conversations = await sampleConversations(bench, LIST_TARGETS);
  const paged = conversations.filter(() => random() < 0.5);
  const offsets = paged.map(() => int(random, 5, 44));
  const cursors = await bench.raw.query<{ i: number; at: string; local_at: string; id: string }>(
    `SELECT p.i, m.created_at::text AS at, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS local_at, m.id
     FROM unnest($1::uuid[], $2::uuid[], $3::int[]) WITH ORDINALITY AS p(tenant_id, conversation_id, k, i)
     CROSS JOIN LATERAL (
       SELECT created_at, id FROM public.messages
       WHERE tenant_id = p.tenant_id AND conversation_id = p.conversation_id
       ORDER BY created_at DESC, id DESC OFFSET p.k LIMIT 1
     ) m`,
    [paged.map((c) => c.tenantId), paged.map((c) => c.conversationId), offsets],
  );
  const cursorOf = new Map<string, ListTarget['cursor']>();
  for (const row of cursors) {
    const conversation = paged[Number(row.i) - 1];
    if (conversation) cursorOf.set(conversation.conversationId, { at: row.at, localAt: row.local_at, id: row.id });
  }
  return conversations.map((c) => ({ ...c, cursor: cursorOf.get(c.conversationId) }));
}

/** One client per tenant, made before timing starts (an application keeps them per request). */
function tenantClients(bench: BenchDatabase, picks: { tenantId: string }[]): Map<string, TenantClient<BuiltinSchema>> {
  const clients = new Map<string, TenantClient<BuiltinSchema>>();
  for (const { tenantId } of picks) {
    if (!clients.has(tenantId)) clients.set(tenantId, createTenantClient(bench.db, { tenantId }));
  }
  return clients;
}

function client(clients: Map<string, TenantClient<BuiltinSchema>>, tenantId: string): TenantClient<BuiltinSchema> {
  const found = clients.get(tenantId);
  if (found === undefined) throw new Error(`no tenant client for ${tenantId}`);
  return found;
}

function at<T>(items: readonly T[], i: number): T {
  return items[i % items.length] as T;
}

/** An EXPLAIN target for SQL text (anything with toSQL()). */
function statement(text: string, params: unknown[]): { toSQL(): { sql: string; params: unknown[] } } {
  return { toSQL: () => ({ sql: text, params }) };
}
