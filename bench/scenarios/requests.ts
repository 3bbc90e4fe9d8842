/**
 * Request-shaped: each operation makes its tenant client, as a request handler does
 * (`createTenantClient(db, { tenantId, userId })`, then one statement), on the main data set, side
 * by side with the raw statement and the peers (./peers.ts), at concurrency 1 and 4.
 *
 * Operations: a point read (a message by id), the keyset list of list-latest-50, an insert of one
 * message, and a bulk insert of 1,000 cost events — the statements of point-read, list-latest-50,
 * insert-message and bulk-insert-cost-1000. The sides:
 * - raw: the statement with its tenant predicate on a superuser pool (RLS bypassed, no context);
 * - tenantdb / tenantdb+user: `createTenantClient(db, { tenantId[, userId] }).query(text, params)`
 *   on the production setup, the application connection logged in as tenantdb_app (`createDatabase
 *   ({ url: appUrl, systemUrl })`). The judged side;
 * - privileged / privileged+user: the same on a privileged login (`createDatabase({ url })`, the
 *   superuser): each statement switches to tenantdb_app;
 * - prepared / prepared+user / scoped prepared: the application login with `createDatabase({
 *   prepare: true })` (information): the statements and the context's as server-side prepared
 *   statements, for a direct connection (not PgBouncer 1.18);
 * - scoped: the scoped API of a client made per operation (`tables.messages.get(id)`,
 *   `findMany`, `insert`, `tables.costEvents.insert(rows)`), application login;
 * - drizzle recipe, prisma sequence, floor: the peers' statement sequences (./peers.ts).
 * The +user sides act as a member of the tenant with a role of 8 permissions (made once per data
 * set: `bench-request+<tenant>@example.test`), so each statement checks the membership.
 *
 * Before timing, the first target runs on every side and each must return raw's row count. Every
 * side walks the same targets. Inserted rows are deleted after each operation's measurement.
 *
 * Also measured: what `createTenantClient` itself costs per call (a loop of CLIENT_LOOP calls, the
 * median of 5 rounds), with and without a user.
 *
 * On PGlite (one in-process connection, a superuser): concurrency 1; tenantdb is the privileged
 * side (there is no second login), and of the peers the drizzle recipe runs (see ./peers.ts). The
 * targets are the server's lowered by 0.1.
 */
import pg from 'pg';
import { createDatabase, createTenantClient, type BuiltinSchema, type Database } from '../../src/index.ts';
import { renderColumns } from '../columns.ts';
import { databaseUrl, serverVersion, type BenchDatabase } from '../databases.ts';
import { deleteInsertedRows } from '../generate.ts';
import { measure, type SideResult } from '../harness.ts';
import { log } from '../progress.ts';
import { int, prng, sentence } from '../random.ts';
import { costBatch, rawCostInsert } from './cost-batches.ts';
import { listStatements, listTargets, scopedList } from './list.ts';
import { pglitePeers, serverPeers, type Peers, type TenantStatement } from './peers.ts';
import { at, type Side, type SideName } from './scenario.ts';
import { standalone, type StandaloneChartGroup, type StandaloneTarget } from './standalone.ts';
import { LIST_TARGETS, MESSAGE_COLUMNS, sampleConversations, sampleMessages } from './targets.ts';

const CLIENT_LOOP = 100_000;
const CLIENT_LIMIT_US = 2;
const MEMBER_EMAIL = 'bench-request+';
/** Permissions of the members' role (the first 8 by resource and action). */
const MEMBER_PERMISSIONS = 8;

type ScopedTables = ReturnType<typeof createTenantClient<BuiltinSchema>>['tables'];

interface RequestOp {
  name: 'point-read' | 'list' | 'insert' | 'bulk-insert';
  targets: number;
  tenantId(i: number): string;
  raw(i: number): TenantStatement;
  tenant(i: number): TenantStatement;
  /** The scoped API's form of the operation. */
  scoped(tables: ScopedTables, i: number): Promise<unknown>;
  /** Server targets: tenantdb ÷ raw ops/s (and the scoped API's, for point read and insert). */
  min: number;
  scopedMin?: number;
  cleanup?: () => Promise<void>;
}

const USER_MIN = 0.85;
const PEER_MIN = 2.5;

async function prepareOps(bench: BenchDatabase, anchor: string): Promise<RequestOp[]> {
  const points = await sampleMessages(bench, 5000);
  const pointSql = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE id = $1 LIMIT 1`;
  const pointRaw = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND id = $2 LIMIT 1`;
  const lists = await listTargets(bench);
  const random = prng(11);
  const inserts = (await sampleConversations(bench, LIST_TARGETS)).map((c, i) => ({
    ...c,
    role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: sentence(random, int(random, 4, 40)),
  }));
  const insertSql = `INSERT INTO public.messages (tenant_id, conversation_id, role, content) VALUES ($1, $2, $3, $4)
      RETURNING ${MESSAGE_COLUMNS}`;
  const costRandom = prng(13);
  const now = Date.now();
  const batches = (await sampleConversations(bench, 16)).map((c) => costBatch(costRandom, c.tenantId, 1000, now));
  const bulkSql = rawCostInsert(1000);
  const cleanup = async () => {
    await deleteInsertedRows(bench, anchor);
  };
  return [
    {
      name: 'point-read',
      targets: points.length,
      tenantId: (i) => at(points, i).tenantId,
      raw: (i) => [pointRaw, [at(points, i).tenantId, at(points, i).id]],
      tenant: (i) => [pointSql, [at(points, i).id]],
      scoped: (tables, i) => tables.messages.get(at(points, i).id),
      min: 0.9,
      scopedMin: 0.8,
    },
    {
      name: 'list',
      targets: lists.length,
      tenantId: (i) => at(lists, i).tenantId,
      raw: (i) => listStatements(at(lists, i)).raw,
      tenant: (i) => listStatements(at(lists, i)).tenant,
      scoped: (tables, i) => scopedList(tables, at(lists, i)),
      min: 0.95,
    },
    {
      name: 'insert',
      targets: inserts.length,
      tenantId: (i) => at(inserts, i).tenantId,
      // The same statement on every side: tenant_id explicit, RLS checks it against the context.
      raw: (i) => {
        const p = at(inserts, i);
        return [insertSql, [p.tenantId, p.conversationId, p.role, p.content]];
      },
      tenant: (i) => {
        const p = at(inserts, i);
        return [insertSql, [p.tenantId, p.conversationId, p.role, p.content]];
      },
      scoped: (tables, i) => {
        const p = at(inserts, i);
        return tables.messages.insert({ conversationId: p.conversationId, role: p.role, content: p.content });
      },
      min: 0.9,
      scopedMin: 0.8,
      cleanup,
    },
    {
      name: 'bulk-insert',
      targets: batches.length,
      tenantId: (i) => at(batches, i).tenantId,
      raw: (i) => [bulkSql, at(batches, i).params],
      tenant: (i) => [bulkSql, at(batches, i).params],
      scoped: (tables, i) => tables.costEvents.insert(at(batches, i).rows),
      min: 0.95,
      cleanup,
    },
  ];
}

/**
 * One ACTIVE member per tenant, with a role of MEMBER_PERMISSIONS permissions, made once (as the
 * superuser) and kept with the data set. Returns tenant → user id.
 */
async function ensureMembers(bench: BenchDatabase, tenantIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(tenantIds)];
  const q = bench.raw.query;
  await q(
    `INSERT INTO public.users (email, name)
     SELECT $2 || t || '@example.test', 'bench member' FROM unnest($1::uuid[]) t
     WHERE NOT EXISTS (SELECT 1 FROM public.users u WHERE u.email = $2 || t || '@example.test')`,
    [ids, MEMBER_EMAIL],
  );
  await q(
    `INSERT INTO public.tenant_members (tenant_id, user_id, role, status)
     SELECT t, u.id, 'member', 'ACTIVE' FROM unnest($1::uuid[]) t JOIN public.users u ON u.email = $2 || t || '@example.test'
     WHERE NOT EXISTS (SELECT 1 FROM public.tenant_members m WHERE m.tenant_id = t AND m.user_id = u.id)`,
    [ids, MEMBER_EMAIL],
  );
  await q(
    `INSERT INTO public.roles (tenant_id, name, description)
     SELECT t, 'bench_member', 'requests bench' FROM unnest($1::uuid[]) t
     WHERE NOT EXISTS (SELECT 1 FROM public.roles r WHERE r.tenant_id = t AND r.name = 'bench_member')`,
    [ids],
  );
  await q(
    `INSERT INTO public.role_permissions (tenant_id, role_id, permission_id)
     SELECT r.tenant_id, r.id, p.id FROM public.roles r
     CROSS JOIN (SELECT id FROM public.permissions ORDER BY resource, action LIMIT $2) p
     WHERE r.tenant_id = ANY ($1::uuid[]) AND r.name = 'bench_member'
       AND NOT EXISTS (SELECT 1 FROM public.role_permissions x WHERE x.tenant_id = r.tenant_id AND x.role_id = r.id AND x.permission_id = p.id)`,
    [ids, MEMBER_PERMISSIONS],
  );
  await q(
    `INSERT INTO public.member_roles (tenant_id, member_id, role_id)
     SELECT m.tenant_id, m.id, r.id FROM public.tenant_members m
     JOIN public.users u ON u.id = m.user_id AND u.email = $2 || m.tenant_id || '@example.test'
     JOIN public.roles r ON r.tenant_id = m.tenant_id AND r.name = 'bench_member'
     WHERE m.tenant_id = ANY ($1::uuid[])
       AND NOT EXISTS (SELECT 1 FROM public.member_roles x WHERE x.tenant_id = m.tenant_id AND x.member_id = m.id AND x.role_id = r.id)`,
    [ids, MEMBER_EMAIL],
  );
  const rows = await q<{ tenant_id: string; user_id: string }>(
    `SELECT m.tenant_id, m.user_id FROM public.tenant_members m JOIN public.users u ON u.id = m.user_id
     WHERE m.tenant_id = ANY ($1::uuid[]) AND u.email = $2 || m.tenant_id || '@example.test'`,
    [ids, MEMBER_EMAIL],
  );
  return new Map(rows.map((r) => [r.tenant_id, r.user_id]));
}

interface Connections {
  raw: (statement: TenantStatement) => Promise<unknown>;
  /** tenantdb on the application login (PGlite: the one connection). */
  app: Database<BuiltinSchema>;
  /** tenantdb on a privileged login (server only). */
  privileged?: Database<BuiltinSchema>;
  /** tenantdb on the application login with `prepare: true` (server only). */
  prepared?: Database<BuiltinSchema>;
  peers: Peers;
  close(): Promise<void>;
}

async function connect(bench: BenchDatabase): Promise<Connections> {
  if (bench.url === undefined) {
    return {
      raw: ([text, params]) => bench.raw.query(text, params),
      app: bench.db,
      peers: pglitePeers(bench),
      close: async () => {},
    };
  }
  const appUrl = databaseUrl(bench.url, bench.name, 'tenantdb_app');
  const max = 4;
  const rawPool = new pg.Pool({ connectionString: bench.url, max });
  rawPool.on('error', () => {});
  const app = await createDatabase({ url: appUrl, systemUrl: bench.url, max });
  const privileged = await createDatabase({ url: bench.url, max });
  const prepared = await createDatabase({ url: appUrl, systemUrl: bench.url, max, prepare: true });
  const peers = serverPeers(bench.url, appUrl, max);
  return {
    raw: async ([text, params]) => (await rawPool.query(text, params)).rows,
    app,
    privileged,
    prepared,
    peers,
    close: async () => {
      await Promise.all([rawPool.end(), app.close(), privileged.close(), prepared.close(), peers.close()]);
    },
  };
}

function sidesOf(op: RequestOp, c: Connections, members: Map<string, string>): Side[] {
  const user = (i: number) => {
    const userId = members.get(op.tenantId(i));
    if (userId === undefined) throw new Error(`no bench member for tenant ${op.tenantId(i)}`);
    return userId;
  };
  const client = (db: Database<BuiltinSchema>, i: number, withUser: boolean) =>
    createTenantClient(db, withUser ? { tenantId: op.tenantId(i), userId: user(i) } : { tenantId: op.tenantId(i) });
  const sides: Side[] = [
    { name: 'raw', op: (i) => c.raw(op.raw(i)) },
    { name: 'tenantdb', op: (i) => client(c.app, i, false).query(...op.tenant(i)) },
    { name: 'tenantdb+user', op: (i) => client(c.app, i, true).query(...op.tenant(i)) },
  ];
  if (c.privileged) {
    const privileged = c.privileged;
    sides.push(
      { name: 'privileged', op: (i) => client(privileged, i, false).query(...op.tenant(i)) },
      { name: 'privileged+user', op: (i) => client(privileged, i, true).query(...op.tenant(i)) },
    );
  }
  if (c.prepared) {
    const prepared = c.prepared;
    sides.push(
      { name: 'prepared', op: (i) => client(prepared, i, false).query(...op.tenant(i)) },
      { name: 'prepared+user', op: (i) => client(prepared, i, true).query(...op.tenant(i)) },
      { name: 'scoped prepared', op: (i) => op.scoped(client(prepared, i, false).tables, i) },
    );
  }
  sides.push(
    { name: 'scoped', op: (i) => op.scoped(client(c.app, i, false).tables, i) },
    { name: 'drizzle recipe', op: (i) => c.peers.drizzleRecipe(op.tenantId(i), op.tenant(i)) },
  );
  const { prismaSequence, floor } = c.peers;
  if (prismaSequence) {
    sides.push({ name: 'prisma sequence', op: (i) => prismaSequence(op.tenantId(i), op.tenant(i)) });
  }
  if (floor) sides.push({ name: 'floor', op: (i) => floor(op.tenantId(i), op.tenant(i)) });
  return sides;
}

/** Rows a side's result holds (arrays, pg results, a found row). */
function rowCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  if (result === undefined || result === null) return 0;
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? rows.length : 1;
}

/** The first target on every side: each must see raw's rows (a side timing nothing is a bug). */
async function checkSides(op: RequestOp, sides: Side[]): Promise<void> {
  const counts = new Map<string, number>();
  for (const side of sides) counts.set(side.name, rowCount(await side.op(0)));
  const raw = counts.get('raw') ?? 0;
  const wrong = [...counts].filter(([, n]) => n !== raw);
  if (raw === 0 || wrong.length > 0) {
    throw new Error(`requests ${op.name}: raw returned ${raw} rows, ${wrong.map(([s, n]) => `${s} ${n}`).join(', ')}`);
  }
}

/** createTenantClient per call, µs: the median of 5 rounds of `loop` calls. */
function clientCost(db: Database<BuiltinSchema>, tenantId: string, userId: string, loop: number) {
  const round = (context: { tenantId: string; userId?: string }) => {
    let sink = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < loop; i++) sink += createTenantClient(db, context).kind.length;
    const ns = Number(process.hrtime.bigint() - t0);
    if (sink !== loop * 6) throw new Error('createTenantClient loop');
    return ns / loop / 1000;
  };
  const median = (context: { tenantId: string; userId?: string }) => {
    round(context); // warm-up
    const runs = Array.from({ length: 5 }, () => round(context)).sort((a, b) => a - b);
    return Math.round((runs[2] as number) * 1000) / 1000;
  };
  return { withoutUser: median({ tenantId }), withUser: median({ tenantId, userId }) };
}

const JUDGED: SideName[] = ['tenantdb', 'tenantdb+user', 'scoped'];
const PEERS: SideName[] = ['drizzle recipe', 'prisma sequence'];
const DESCRIPTION =
  'request-shaped: a tenant client made per operation, against raw and the peers (drizzle recipe, prisma sequence, floor), concurrency 1 and 4, application and privileged logins';

export const requests = standalone({
  name: 'requests',
  description: DESCRIPTION,
  dataset: 'main',
  async run(env) {
    const dataset = env.dataset;
    if (!dataset) throw new Error('requests needs the main data set');
    const { bench, info } = dataset;
    const server = bench.url !== undefined;
    const lowered = server ? 0 : 0.1;
    const concurrencies = server ? [1, 4] : [1];
    log('requests: picking targets and the members');
    const ops = await prepareOps(bench, info.anchor);
    const tenantIds = ops.flatMap((op) => Array.from({ length: op.targets }, (_, i) => op.tenantId(i)));
    const members = await ensureMembers(bench, tenantIds);
    const connections = await connect(bench);
    const targets: StandaloneTarget[] = [];
    const body: string[][] = [];
    const chart: StandaloneChartGroup[] = [];
    const measured: Record<string, Record<string, SideResult>> = {};
    try {
      const firstTenant = ops[0]?.tenantId(0) as string;
      const loop = Math.max(10_000, Math.round(CLIENT_LOOP * Math.min(1, env.duration / 10)));
      const cost = clientCost(connections.app, firstTenant, members.get(firstTenant) as string, loop);
      targets.push({
        label: 'createTenantClient, µs per call (no user)',
        value: cost.withoutUser,
        limit: `≤ ${CLIENT_LIMIT_US}`,
        met: cost.withoutUser <= CLIENT_LIMIT_US,
      });
      targets.push({
        label: 'createTenantClient, µs per call (with userId)',
        value: cost.withUser,
        limit: `≤ ${CLIENT_LIMIT_US}`,
        met: cost.withUser <= CLIENT_LIMIT_US,
      });
      for (const op of ops) {
        const sides = sidesOf(op, connections, members);
        await checkSides(op, sides);
        for (const concurrency of concurrencies) {
          const label = `${op.name}, concurrency ${concurrency}`;
          const results = await measure(`requests: ${label}: ${sides.length} sides`, sides, {
            duration: env.duration,
            warmup: env.warmup,
            slice: Math.min(1, env.duration),
            concurrency,
          });
          await op.cleanup?.();
          const byName = Object.fromEntries(results.map((r) => [r.name, r]));
          measured[label] = byName;
          const raw = byName.raw as SideResult;
          const ratio = (name: string) => round((byName[name]?.opsPerSec ?? NaN) / raw.opsPerSec);
          // The peers are the drizzle recipe and the prisma sequence; the floor checks nothing.
          const bestPeer = Math.max(
            ...PEERS.map((name) => byName[name]?.opsPerSec).filter((v): v is number => v !== undefined),
          );
          const limits: Partial<Record<string, number>> = {
            tenantdb: op.min - lowered,
            'tenantdb+user': USER_MIN - lowered,
            ...(op.scopedMin !== undefined ? { scoped: op.scopedMin - lowered } : {}),
          };
          for (const r of results) {
            const limit = limits[r.name];
            const value = ratio(r.name);
            body.push([
              label,
              r.name,
              connectionOf(r.name, server),
              r.opsPerSec.toFixed(r.opsPerSec < 100 ? 1 : 0),
              r.p50Ms.toFixed(3),
              r.p95Ms.toFixed(3),
              value.toFixed(2),
              limit === undefined ? '' : `≥ ${limit.toFixed(2)}`,
              limit === undefined ? '' : value >= limit ? 'yes' : 'NO',
            ]);
            if (limit !== undefined && JUDGED.includes(r.name as SideName)) {
              targets.push({
                label: `${label}: ${r.name} ÷ raw`,
                value,
                limit: `≥ ${limit.toFixed(2)}`,
                met: value >= limit,
              });
            }
          }
          if (op.name === 'point-read') {
            const vsPeer = round((byName.tenantdb?.opsPerSec ?? NaN) / bestPeer);
            const limit = PEER_MIN - lowered;
            body.push([
              label,
              'tenantdb ÷ best peer',
              '',
              '',
              '',
              '',
              vsPeer.toFixed(2),
              `≥ ${limit}`,
              vsPeer >= limit ? 'yes' : 'NO',
            ]);
            targets.push({
              label: `${label}: tenantdb ÷ best peer`,
              value: vsPeer,
              limit: `≥ ${limit}`,
              met: vsPeer >= limit,
            });
          }
          chart.push({
            label,
            bars: results
              .filter((r) => r.name !== 'raw')
              .map((r) => ({
                name: r.name,
                value: ratio(r.name),
                ...(limits[r.name] !== undefined ? { min: limits[r.name] } : {}),
              })),
          });
        }
      }
      const text = [
        `requests (${server ? 'server' : 'PGlite'}): a tenant client made per operation; ×raw is ops/s ÷ raw ops/s in the same run`,
        renderColumns(
          ['operation', 'side', 'login', 'ops/s', 'p50 ms', 'p95 ms', '×raw', 'target', 'met?'],
          body,
          new Set([0, 1, 2]),
        ),
        `createTenantClient: ${cost.withoutUser} µs per call without a user, ${cost.withUser} µs with one (median of 5 rounds of ${loop.toLocaleString('en-US')}; target ≤ ${CLIENT_LIMIT_US})`,
        server
          ? 'login: app = the application connection logged in as tenantdb_app (createDatabase({ url, systemUrl })); privileged = the superuser, switching to tenantdb_app per statement'
          : 'PGlite: one in-process superuser connection (tenantdb switches to tenantdb_app per statement); targets lowered by 0.1',
      ].join('\n');
      return {
        name: 'requests',
        description: DESCRIPTION,
        database: bench.name,
        serverVersion: await serverVersion(bench.raw),
        text,
        targets,
        chart,
        details: { clientCostUs: cost, loop, concurrencies, measured },
      };
    } finally {
      await connections.close();
    }
  },
});

function connectionOf(side: string, server: boolean): string {
  if (!server) return side === 'raw' ? 'superuser' : 'superuser → tenantdb_app';
  if (side === 'raw') return 'superuser';
  if (side.includes('prepared')) return 'app, prepare';
  if (side.startsWith('privileged') || side === 'drizzle recipe') return 'privileged';
  return 'app';
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
