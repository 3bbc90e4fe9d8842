/**
 * Citus (run with TENANTDB_TEST_BACKEND=citus; skipped elsewhere): after `distribute`, the sample
 * tenants see exactly their own rows by every route (withTenantContext, the tenant client, a raw
 * client logged in as tenantdb_app), a scoped-API read is routed to one shard, `tenantdb verify`
 * passes with 0 leaks, still passes after a shard move, and fails when one shard's policies are
 * weakened by hand on its worker.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantClient, tenantTables, withSystemContext, withTenantContext } from '../src/index.ts';
import { rowsOf } from '../src/db/rows.ts';
import { seedSampleData, type SampleTenant } from '../src/demo/sample-data.ts';
import * as schema from '../src/schema/index.ts';
import { createScopedApi } from '../src/tenancy/scoped.ts';
import { verify } from '../src/verify/index.ts';
import { createTestDatabase, isCitus, type TestDatabase, type TestDb } from './helpers/backend.ts';

let t: TestDatabase;
let db: TestDb;
let sample: SampleTenant[];

/** A URL of this test database on another node, or as another user. */
function urlOf(base: string, options: { user?: string } = {}): string {
  const u = new URL(base);
  u.pathname = new URL(t.directUrl as string).pathname;
  if (options.user) {
    u.username = options.user;
    u.password = '';
  }
  return u.toString();
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every tenant table's rows of `tenantId`, counted in the system context (the ground truth). */
async function ownCounts(tenantId: string): Promise<Record<string, number>> {
  return withSystemContext(
    db,
    async (tx) => {
      const counts: Record<string, number> = {};
      for (const { name } of tenantTables()) {
        const [row] = rowsOf<{ n: number }>(
          await tx.execute(
            sql`select count(*)::int as n from ${sql.identifier(name)} where tenant_id = ${tenantId}::uuid`,
          ),
        );
        counts[name] = row?.n ?? -1;
      }
      return counts;
    },
    { reason: 'citus test: ground truth' },
  );
}

/** One statement counting every tenant table's rows, and the rows of another tenant among them. */
const countsSql = (tenantId: string) =>
  tenantTables()
    .map(
      ({ name }) =>
        `select '${name}' as name, count(*)::int as n, (count(*) filter (where tenant_id <> '${tenantId}'::uuid))::int as foreign_rows from "${name}"`,
    )
    .join(' union all ');

const asRecord = (rows: { name: string; n: number; foreign_rows: number }[]) => {
  for (const r of rows) expect(r.foreign_rows, `foreign rows in ${r.name}`).toBe(0);
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
};

describe.skipIf(!isCitus)('Citus: isolation on the shards', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.db;
    sample = await seedSampleData(db);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('distribute made every tenant table a co-located distributed table and every global table a reference table', async () => {
    const rows = await db.rawQuery<{ name: string; method: string; column: string | null; colocation: number }>(
      `select logicalrelid::regclass::text as name, partmethod::text as method,
              case when partkey is null then null else column_to_column_name(logicalrelid, partkey) end as column,
              colocationid::int as colocation
       from pg_dist_partition`,
    );
    const tenant = rows.filter((r) => tenantTables().some((x) => x.name === r.name));
    expect(tenant.map((r) => r.name).sort()).toEqual(
      tenantTables()
        .map((x) => x.name)
        .sort(),
    );
    expect(new Set(tenant.map((r) => `${r.method} ${r.column}`))).toEqual(new Set(['h tenant_id']));
    expect(new Set(tenant.map((r) => r.colocation)).size).toBe(1);
    expect(rows.filter((r) => r.method === 'n').map((r) => r.name)).toEqual(
      expect.arrayContaining(['tenants', 'users']),
    );
  });

  it('the sample tenants see exactly their own rows: withTenantContext, the tenant client, a raw client as tenantdb_app', async () => {
    expect(sample.map((s) => s.slug)).toEqual(['acme', 'techstartup', 'healthcare']);
    const messages: number[] = [];
    for (const tenant of sample) {
      const truth = await ownCounts(tenant.id);
      const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin') ?? tenant.people[0];
      const context = { tenantId: tenant.id, userId: admin?.userId };
      const inTransaction = await withTenantContext(db, context, async (tx) =>
        asRecord(rowsOf(await tx.execute(sql.raw(countsSql(tenant.id))))),
      );
      const client = createTenantClient(db, context);
      const oneStatement = asRecord(await client.query(countsSql(tenant.id)));
      const raw = await withClient(urlOf(t.directUrl as string, { user: 'tenantdb_app' }), async (c) => {
        await c.query('BEGIN');
        await c.query('select tenantdb.open_context($1::uuid, $2::uuid)', [tenant.id, admin?.userId]);
        const { rows } = await c.query<{ name: string; n: number; foreign_rows: number }>(countsSql(tenant.id));
        await c.query('COMMIT');
        return asRecord(rows);
      });
      expect(inTransaction).toEqual(truth);
      expect(oneStatement).toEqual(truth);
      expect(raw).toEqual(truth);
      expect(truth.messages).toBeGreaterThan(0);
      messages.push(truth.messages as number);
      // The scoped API sees the same.
      expect((await client.tables.messages.findMany()).every((m) => m.tenantId === tenant.id)).toBe(true);
      expect(await client.tables.messages.count()).toBe(truth.messages);
    }
    // Without the context no route sees anything.
    const bare = await withClient(urlOf(t.directUrl as string, { user: 'tenantdb_app' }), async (c) => {
      const { rows } = await c.query<{ n: number }>('select count(*)::int as n from messages');
      return rows[0]?.n;
    });
    expect(bare).toBe(0);
    console.log(`citus: messages per sample tenant, each seeing only its own: ${messages.join(' / ')}`);
  });

  it('a scoped-API read carries tenant_id = $1 and is routed to one shard (Task Count: 1); RLS alone is not', async () => {
    const tenant = sample[0] as SampleTenant;
    // The scoped API over a Drizzle instance that records its SQL (and runs it, in the context).
    const statements: { query: string; params: unknown[] }[] = [];
    const explained = await withClient(urlOf(t.directUrl as string), async (client) => {
      const orm = drizzle(client, {
        schema,
        logger: { logQuery: (query, params) => statements.push({ query, params }) },
      });
      return orm.transaction(async (tx) => {
        await tx.execute(sql`select tenantdb.open_context(${tenant.id}::uuid, null, true)`);
        statements.length = 0;
        const api = createScopedApi(schema, tenant.id, (operation) => operation(tx as never));
        await api.messages.findMany({ limit: 5 });
        const [read] = statements;
        if (!read) throw new Error('the scoped API sent no statement');
        const plan = await client.query<{ 'QUERY PLAN': string }>(`explain ${read.query}`, read.params);
        const bare = await client.query<{ 'QUERY PLAN': string }>('explain select * from messages');
        return {
          read: read.query,
          scoped: plan.rows.map((r) => r['QUERY PLAN']).join('\n'),
          rlsOnly: bare.rows.map((r) => r['QUERY PLAN']).join('\n'),
        };
      });
    });
    expect(explained.read).toMatch(/"tenant_id" = \$1/);
    expect(explained.scoped).toMatch(/Task Count: 1\b/);
    expect(explained.rlsOnly).not.toMatch(/Task Count: 1\b/);
    console.log(
      `citus: scoped read → ${/Task Count: \d+/.exec(explained.scoped)?.[0]}; RLS alone → ${/Task Count: \d+/.exec(explained.rlsOnly)?.[0]}`,
    );
  });

  it("the schema's ON DELETE SET NULL keys are NO ACTION here, and the scoped API nulls the references itself", async () => {
    const declared = tenantTables().flatMap((info) =>
      getTableConfig(info.table as PgTable)
        .foreignKeys.filter((fk) => fk.onDelete === 'set null' && fk.reference().columns.length === 2)
        .map((fk) => fk.getName()),
    );
    expect(declared.length).toBeGreaterThanOrEqual(6);
    const keys = await db.rawQuery<{ name: string; action: string }>(
      `select conname as name, confdeltype::text as action from pg_constraint where contype = 'f' and conname = any($1::text[])`,
      [declared],
    );
    expect(keys.map((k) => k.name).sort()).toEqual([...declared].sort());
    for (const key of keys) expect(key, key.name).toMatchObject({ action: 'a' });
    // A connector deleted through the scoped API: its snapshots and tasks keep their rows.
    const tenant = sample[0] as SampleTenant;
    const client = createTenantClient(db, { tenantId: tenant.id });
    const connector = await client.tables.connectors.insert({ name: 'Temporary', provider: 'stripe' });
    const task = await client.tables.tasks.insert({ type: 'sync', connectorId: connector.id });
    expect((await client.tables.connectors.delete(sql`id = ${connector.id}`)).length).toBe(1);
    const [kept] = await client.tables.tasks.findMany({ where: (f, { eq }) => eq(f.id, task.id) });
    expect(kept).toMatchObject({ tenantId: tenant.id, connectorId: null });
  });

  it('tenantdb verify passes with 0 leaks: the citus lints, every shard and the live probe', async () => {
    const report = await verify(db);
    const failed = report.items.filter((i) => !i.ok).map((i) => `${i.id} ${i.object}: ${i.detail}`);
    expect(failed).toEqual([]);
    expect(report.leaks).toBe(0);
    expect(report.attacks).toBeGreaterThan(1000);
    const citus = report.items.filter((i) => i.id?.startsWith('citus.'));
    expect(new Set(citus.map((i) => i.id))).toEqual(
      new Set([
        'citus.distributed-by-tenant',
        'citus.colocated',
        'citus.global-reference',
        'citus.permissive-only',
        'citus.shard-policies',
        'citus.propagate-set-commands',
        'citus.roles-on-workers',
      ]),
    );
    // verify commits its probe tenants on Citus and deletes them again.
    const [tenants] = await db.rawQuery<{ n: number }>('select count(*)::int as n from tenants');
    expect(tenants?.n).toBe(sample.length);
    console.log(
      `citus: verify ${report.checks} checks (${citus.length} citus), ${report.failed} failed; ${report.attacks} attacks, ${report.leaks} leaks`,
    );
  });

  it('after citus_move_shard_placement of a tenant table shard, verify still passes', async () => {
    const [shard] = await db.rawQuery<{ shardid: string; nodename: string; nodeport: number }>(
      `select shardid::text, nodename, nodeport from citus_shards where table_name = 'messages'::regclass order by shardid limit 1`,
    );
    if (!shard) throw new Error('messages has no shard');
    const [target] = await db.rawQuery<{ nodename: string; nodeport: number }>(
      `select nodename, nodeport from pg_dist_node where noderole = 'primary' and groupid <> 0 and (nodename, nodeport) <> ($1, $2) limit 1`,
      [shard.nodename, shard.nodeport],
    );
    if (!target) throw new Error('no other worker');
    await db.rawQuery(
      `select citus_move_shard_placement($1::bigint, $2, $3, $4, $5, shard_transfer_mode => 'block_writes')`,
      [shard.shardid, shard.nodename, shard.nodeport, target.nodename, target.nodeport],
    );
    const [moved] = await db.rawQuery<{ node: string }>(
      `select nodename || ':' || nodeport as node from citus_shards where shardid = $1::bigint`,
      [shard.shardid],
    );
    expect(moved?.node).toBe(`${target.nodename}:${target.nodeport}`);
    const report = await verify(db);
    expect(report.items.filter((i) => !i.ok).map((i) => `${i.id} ${i.object}: ${i.detail}`)).toEqual([]);
    expect(report.leaks).toBe(0);
    const shardItem = report.items.find((i) => i.id === 'citus.shard-policies' && i.object === 'public.messages');
    expect(shardItem?.ok).toBe(true);
    console.log(
      `citus: moved shard ${shard.shardid} of messages ${shard.nodename}:${shard.nodeport} → ${moved?.node}; verify ${report.failed} failed, ${report.leaks} leaks`,
    );
  });

  it("verify fails when one shard's policy is weakened by hand on its worker, and passes once it is removed", async () => {
    const [shard] = await db.rawQuery<{ shardid: string; name: string; nodename: string; nodeport: number }>(
      `select s.shardid::text, s.shard_name as name, s.nodename, s.nodeport
       from citus_shards s where s.table_name = 'messages'::regclass order by s.shardid desc limit 1`,
    );
    if (!shard) throw new Error('messages has no shard');
    const workers = (process.env.CITUS_WORKER_URLS as string).split(',').map((u) => u.trim());
    const worker = workers.find((w) => Number(new URL(w).port) === Number(shard.nodeport));
    if (!worker) throw new Error(`no worker URL for port ${shard.nodeport}`);
    const onShard = (statement: string) =>
      withClient(urlOf(worker), async (c) => {
        await c.query('SET citus.enable_manual_changes_to_shards = on');
        await c.query(statement);
      });
    await onShard(
      `CREATE POLICY weakened ON public.${shard.name} AS PERMISSIVE FOR SELECT TO tenantdb_app USING (true)`,
    );
    try {
      const report = await verify(db);
      const failed = report.items.filter((i) => !i.ok);
      expect(failed.find((i) => i.id === 'citus.shard-policies')).toMatchObject({
        object: 'public.messages',
        detail: expect.stringContaining(`shard ${shard.shardid}: policy weakened exists only on the shard`),
      });
      expect(failed.every((i) => i.id === 'citus.shard-policies' || i.leak)).toBe(true);
      console.log(
        `citus: a USING (true) policy on shard ${shard.name} alone: verify ${report.failed} failed (${failed.filter((i) => i.leak).length} leaks)`,
      );
    } finally {
      await onShard(`DROP POLICY IF EXISTS weakened ON public.${shard.name}`);
    }
    const again = await verify(db, { probe: false });
    expect(again.items.filter((i) => !i.ok)).toEqual([]);
  });
});
