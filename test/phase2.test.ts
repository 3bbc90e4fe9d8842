/** Seed 001's phase-2 rules: one snapshot per tenant per day; connectors deleted without data loss. */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, withSystemContext, withTenantContext, type TenantContext } from '../src/index.ts';
import { analyticsSnapshots, conversations, costEvents, tasks, widgets } from '../src/schema/index.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from './helpers/tenants.ts';
import { createTestDatabase, isCitus, type TestDatabase, type TestDb } from './helpers/backend.ts';

let t: TestDatabase;
let db: TestDb;
let A: TenantContext;
let B: TenantContext;

const tenant = (label: string): Promise<TenantContext> => ownerContext(db, label);

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  A = await tenant('a');
  B = await tenant('b');
});
afterAll(async () => {
  await t?.dispose();
});

describe('analytics snapshots', () => {
  it('one per tenant per day: a second upsert for the day updates it', async () => {
    const day = '2026-03-01';
    const upsert = (ctx: TenantContext, sessions: number) =>
      withTenantContext(db, ctx, (_tx, scoped) =>
        scoped.tables.analyticsSnapshots.upsert(
          { date: day, sessions, users: 1, revenue: '10.50' },
          { target: [analyticsSnapshots.date], set: { sessions } },
        ),
      );
    const first = await upsert(A, 100);
    const second = await upsert(A, 250);
    expect(second.id).toBe(first.id);
    const rows = await withTenantContext(db, A, (_tx, scoped) =>
      scoped.tables.analyticsSnapshots.findMany({ where: eq(analyticsSnapshots.date, day) }),
    );
    expect(rows.map((r) => [r.sessions, r.revenue])).toEqual([[250, '10.50']]);
    // A plain second insert for the same day is refused by the unique key.
    expect(
      await codeOf(withTenantContext(db, A, (tx) => tx.insert(analyticsSnapshots).values({ date: day }))),
    ).toBeDefined();
  });

  it('the same date is allowed for different tenants', async () => {
    const day = '2026-03-02';
    await withTenantContext(db, A, (_tx, scoped) =>
      scoped.tables.analyticsSnapshots.insert({ date: day, sessions: 1 }),
    );
    await withTenantContext(db, B, (_tx, scoped) =>
      scoped.tables.analyticsSnapshots.insert({ date: day, sessions: 2 }),
    );
    const [n] = await db.rawQuery<{ n: number }>(`select count(*)::int as n from analytics_snapshots where date = $1`, [
      day,
    ]);
    expect(n?.n).toBe(2);
  });
});

describe('deleting a connector', () => {
  it("sets connector_id to NULL on its snapshots and tasks and keeps the rows (and the row's tenant)", async () => {
    const { connectorId, snapshotId, taskId } = await withTenantContext(db, A, async (_tx, scoped) => {
      const connector = await scoped.tables.connectors.insert({ name: 'GA', provider: 'google-analytics' });
      const snapshot = await scoped.tables.analyticsSnapshots.insert({
        date: '2026-04-01',
        connectorId: connector.id,
        sessions: 5,
      });
      const task = await scoped.tables.tasks.insert({
        type: 'sync',
        moduleSlug: 'growth-pulse',
        connectorId: connector.id,
      });
      return { connectorId: connector.id, snapshotId: snapshot.id, taskId: task.id };
    });
    const deleted = await withTenantContext(db, A, (_tx, scoped) =>
      scoped.tables.connectors.delete(sql`id = ${connectorId}`),
    );
    expect(deleted.length).toBe(1);
    const [snapshot, task] = await withTenantContext(db, A, async (_tx, scoped) => [
      await scoped.tables.analyticsSnapshots.findFirst({ where: eq(analyticsSnapshots.id, snapshotId) }),
      await scoped.tables.tasks.findFirst({ where: eq(tasks.id, taskId) }),
    ]);
    expect(snapshot).toMatchObject({ tenantId: A.tenantId, connectorId: null, sessions: 5 });
    expect(task).toMatchObject({ tenantId: A.tenantId, connectorId: null, moduleSlug: 'growth-pulse' });
  });

  // Skipped on Citus: it refuses ON DELETE SET NULL on a key that holds the distribution column
  // outright (0A000), before any row could fail; there the key is NO ACTION (see distribute).
  it.skipIf(isCitus)(
    'with a plain ON DELETE SET NULL (all key columns) the delete would fail: why only connector_id is nulled',
    async () => {
      const outcome = await db
        .rawTransaction(async (s) => {
          await s.exec(`ALTER TABLE analytics_snapshots DROP CONSTRAINT analytics_snapshots_connector_id_fkey,
          ADD CONSTRAINT analytics_snapshots_connector_id_fkey FOREIGN KEY (tenant_id, connector_id)
          REFERENCES connectors (tenant_id, id) ON DELETE SET NULL`);
          await s.query('SELECT tenantdb.open_context($1::uuid, $2::uuid, true)', [A.tenantId, A.userId]);
          const [c] = await s.query<{ id: string }>(
            `INSERT INTO connectors (name, provider) VALUES ('x', 'y') RETURNING id`,
          );
          await s.query(`INSERT INTO analytics_snapshots (date, connector_id) VALUES ('2026-05-01', $1)`, [c?.id]);
          await s.query('DELETE FROM connectors WHERE id = $1', [c?.id]);
          return 'deleted';
        })
        .catch((e: { code?: string }) => e.code);
      expect(outcome).toBe('23502'); // not-null violation on tenant_id
    },
  );

  it("a snapshot or task can never point at another tenant's connector", async () => {
    const bConnector = await withTenantContext(db, B, (_tx, scoped) =>
      scoped.tables.connectors.insert({ name: 'B', provider: 'stripe' }),
    );
    expect(
      await codeOf(
        withTenantContext(db, A, (_tx, scoped) =>
          scoped.tables.analyticsSnapshots.insert({ date: '2026-06-01', connectorId: bConnector.id }),
        ),
      ),
    ).toBe('CROSS_TENANT_REFERENCE');
    expect(
      await codeOf(
        withTenantContext(db, A, (tx) => tx.insert(tasks).values({ type: 'sync', connectorId: bConnector.id })),
      ),
    ).toBe('CROSS_TENANT_REFERENCE');
  });
});

describe('other optional references keep their rows', () => {
  // Skipped on Citus: raw SQL deletes there meet the NO ACTION key (Citus refuses SET NULL on a
  // key holding the distribution column); the scoped API nulls the references (next test).
  it.skipIf(isCitus)('deleting a widget or a conversation nulls the reference only', async () => {
    const ids = await withTenantContext(db, A, async (_tx, scoped) => {
      const widget = await scoped.tables.widgets.insert({ name: 'Site', domainWhitelist: ['https://acme.test'] });
      const conversation = await scoped.tables.conversations.insert({ title: 'From the widget', widgetId: widget.id });
      const cost = await scoped.tables.costEvents.insert({
        service: 'llm',
        costUsd: '0.001200',
        conversationId: conversation.id,
      });
      return { widget: widget.id, conversation: conversation.id, cost: cost.id };
    });
    await withTenantContext(db, A, (tx) => tx.delete(widgets).where(eq(widgets.id, ids.widget)));
    await withTenantContext(db, A, (tx) => tx.delete(conversations).where(eq(conversations.id, ids.conversation)));
    const cost = await withSystemContext(
      db,
      async (tx) =>
        (
          await tx
            .select()
            .from(costEvents)
            .where(and(eq(costEvents.tenantId, A.tenantId), eq(costEvents.id, ids.cost)))
        )[0],
    );
    expect(cost).toMatchObject({ conversationId: null, costUsd: '0.001200', service: 'llm' });
  });

  it('through the scoped API (tenant client and withTenantContext), on every backend, Citus included', async () => {
    const ids = await withTenantContext(db, A, async (_tx, scoped) => {
      const widget = await scoped.tables.widgets.insert({ name: 'Scoped site' });
      const conversation = await scoped.tables.conversations.insert({ title: 'Scoped', widgetId: widget.id });
      const cost = await scoped.tables.costEvents.insert({
        service: 'llm',
        costUsd: '0.000100',
        conversationId: conversation.id,
      });
      return { widget: widget.id, conversation: conversation.id, cost: cost.id };
    });
    const tenantClient = tenantOf(db, A);
    const deleted = await tenantClient.tables.widgets.delete(eq(widgets.id, ids.widget));
    expect(deleted.map((w) => w.id)).toEqual([ids.widget]);
    const [conversation] = await tenantClient.tables.conversations.findMany({
      where: eq(conversations.id, ids.conversation),
    });
    expect(conversation).toMatchObject({ tenantId: A.tenantId, widgetId: null, title: 'Scoped' });
    await withTenantContext(db, A, (_tx, scoped) =>
      scoped.tables.conversations.delete(eq(conversations.id, ids.conversation)),
    );
    const [cost] = await tenantClient.tables.costEvents.findMany({ where: eq(costEvents.id, ids.cost) });
    expect(cost).toMatchObject({ conversationId: null, costUsd: '0.000100' });
  });

  it('the scoped delete nulls only the references of rows it deleted (RBAC decides which)', async () => {
    const memberId = await addMember(systemOf(db), A.tenantId, { email: `plain-${Date.now()}@example.test` });
    const ids = await withTenantContext(db, A, async (_tx, scoped) => {
      const widget = await scoped.tables.widgets.insert({ name: 'Kept site' });
      const conversation = await scoped.tables.conversations.insert({ title: 'Kept', widgetId: widget.id });
      return { widget: widget.id, conversation: conversation.id };
    });
    // widgets need settings:manage to delete: a plain member's delete matches nothing.
    const deleted = await tenantOf(db, { tenantId: A.tenantId, userId: memberId }).tables.widgets.delete(
      eq(widgets.id, ids.widget),
    );
    expect(deleted).toEqual([]);
    const conversation = await withTenantContext(db, A, (_tx, scoped) =>
      scoped.tables.conversations.findFirst({ where: eq(conversations.id, ids.conversation) }),
    );
    expect(conversation?.widgetId).toBe(ids.widget);
  });

  // Skipped on Citus: there every such key is NO ACTION by design (distribute), checked in
  // test/citus.test.ts together with the scoped API's nulling.
  it.skipIf(isCitus)(
    'every composite ON DELETE SET NULL in the catalogue nulls only its reference column',
    async () => {
      const rows = await db.rawQuery<{ name: string; set_cols: number; fk_cols: number }>(
        `select conname as name, coalesce(array_length(confdelsetcols, 1), 0) as set_cols, array_length(conkey, 1) as fk_cols
       from pg_constraint where contype = 'f' and confdeltype = 'n' and array_length(conkey, 1) > 1`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      for (const row of rows) expect(row, row.name).toMatchObject({ set_cols: 1 });
    },
  );
});
