/**
 * createTenantClient's single-statement path: the context and the statement travel together (one
 * pipeline, one implicit transaction, one round trip on a server) and nothing of the context
 * outlives the statement.
 */
import { PGlite, protocol } from '@electric-sql/pglite';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDatabase,
  createTenantClient,
  setTenantStatus,
  withSystemContext,
  withTenantContext,
} from '../src/index.ts';
import { conversations } from '../src/schema/index.ts';
import { readyForQueryCounter } from './helpers/relay.ts';
import { connections, createTestDatabase, isServer, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { codeOf, ownerContext, systemOf } from './helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(() => t.dispose());

const countOf = (tenantId: string) =>
  withSystemContext(
    db,
    async (tx) => (await tx.select().from(conversations).where(eq(conversations.tenantId, tenantId))).length,
  );

describe.skipIf(!isServer)('round trips on a server', () => {
  it('a tenant-client read or write costs one round trip, like the bare statement; a one-statement transaction three', async () => {
    const a = await ownerContext(db, 'Trips');
    const relay = await readyForQueryCounter(new URL(t.url as string));
    const relayed = await createDatabase({ url: relay.url, max: 1 });
    try {
      const tenant = createTenantClient(relayed, a);
      await relayed.rawQuery('select 1'); // connect first: the startup exchange is not counted
      relay.take();

      await relayed.rawQuery('select id from conversations where tenant_id = $1', [a.tenantId]);
      const bare = relay.take();
      const inserted = await tenant.tables.conversations.insert({ title: 'one trip' });
      const insert = relay.take();
      const found = await tenant.tables.conversations.findFirst({ where: (c, { eq }) => eq(c.id, inserted.id) });
      const read = relay.take();
      const counted = await tenant.run((q) => q.select({ n: sql<number>`count(*)::int` }).from(conversations));
      const run = relay.take();
      const queried = await tenant.query<{ n: number }>(
        'select count(*)::int as n from conversations where title = $1',
        ['one trip'],
      );
      const query = relay.take();
      // The multi-statement path, for contrast: BEGIN with open_context, the statement, COMMIT.
      await withTenantContext(relayed, a, (_tx, scoped) => scoped.tables.conversations.findMany());
      const transaction = relay.take();

      expect(found?.title).toBe('one trip');
      expect(counted[0]?.n).toBe(1);
      expect(queried).toEqual([{ n: 1 }]);
      expect({ bare, insert, read, run, query, transaction }).toEqual({
        bare: 1,
        insert: 1,
        read: 1,
        run: 1,
        query: 1,
        transaction: 3,
      });
    } finally {
      await relayed.close();
      await relay.close();
    }
  });
});

describe.skipIf(!isServer)('BEGIN travels with the first statement', () => {
  it('a transaction without statements sends nothing; a failed first statement rolls back and frees the connection', async () => {
    const a = await ownerContext(db, 'Begin');
    const relay = await readyForQueryCounter(new URL(t.url as string));
    const relayed = await createDatabase({ url: relay.url, max: 1 });
    try {
      await relayed.rawQuery('select 1');
      relay.take();

      expect(await relayed.tenantTransaction(async () => 'nothing')).toBe('nothing');
      const empty = relay.take();
      await expect(
        relayed.tenantTransaction(async () => {
          throw new Error('before any statement');
        }),
      ).rejects.toThrow('before any statement');
      const thrown = relay.take();
      // open_context fails inside the BEGIN pipeline: the transaction is rolled back.
      const missing = await codeOf(
        withTenantContext(relayed, { tenantId: '00000000-0000-4000-8000-000000000000' }, (tx) =>
          tx.select().from(conversations),
        ),
      );
      const failed = relay.take();
      const after = await relayed.rawQuery<{ status: string }>(
        `select current_user as status union all select coalesce(nullif(current_setting('app.current_tenant_id', true), ''), 'none')`,
      );
      await withTenantContext(relayed, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'after' }));

      expect({ empty, thrown, missing, failed }).toEqual({
        empty: 0,
        thrown: 0,
        missing: 'TENANT_NOT_FOUND',
        failed: 2,
      });
      expect(after.map((row) => row.status)).toEqual(['postgres', 'none']);
      expect(await countOf(a.tenantId)).toBe(1);
    } finally {
      await relayed.close();
      await relay.close();
    }
  });
});

describe('the context lives exactly as long as the statement', () => {
  it('applies the tenant, the user and the application role to the statement', async () => {
    const a = await ownerContext(db, 'Applied');
    const [row] = await createTenantClient(db, a).query<{ role: string; tenant: string; user: string }>(
      `select current_user as role, tenantdb.current_tenant_id()::text as tenant, tenantdb.current_user_id()::text as "user"`,
    );
    expect(row).toEqual({ role: 'tenantdb_app', tenant: a.tenantId, user: a.userId });
  });

  it('leaves nothing on the connection afterwards: no role, no tenant', async () => {
    const single = await t.connect({ max: 1 });
    try {
      const a = await ownerContext(single, 'Leaves');
      await createTenantClient(single, a).tables.conversations.insert({ title: 'x' });
      // Asked on the application connection (in split mode rawQuery's system connection is
      // another one): the role is its login again, the tenant unset.
      const after = await single.tenantTransaction(async (tx) => {
        const result = await tx.execute(
          sql`select current_user::text as role, nullif(current_setting('app.current_tenant_id', true), '') as tenant`,
        );
        return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows)[0];
      });
      expect(after).toEqual({ role: connections === 'split' ? 'tenantdb_app' : 'postgres', tenant: null });
    } finally {
      await single.close();
    }
  });

  it('sees only its tenant, and the same raw statement without the role switch sees everyone (the attack works unprotected)', async () => {
    const a = await ownerContext(db, 'SeesA');
    const b = await ownerContext(db, 'SeesB');
    await createTenantClient(db, a).tables.conversations.insert({ title: 'a' });
    await createTenantClient(db, b).tables.conversations.insert([{ title: 'b1' }, { title: 'b2' }]);
    const rawCount = (client: ReturnType<typeof createTenantClient>) =>
      client.run(async (q) => (await q.select({ id: conversations.id }).from(conversations)).length);

    expect(await rawCount(createTenantClient(db, a))).toBe(1);
    const viaQuery = await createTenantClient(db, a).query<{ n: number }>(
      'select count(*)::int as n from conversations',
    );
    expect(viaQuery).toEqual([{ n: 1 }]);
    const unprotected = await t.connect({ dangerouslySkipRoleSwitch: true });
    try {
      // As the privileged role, RLS does not apply: the raw statement sees every tenant's rows.
      expect(await rawCount(createTenantClient(unprotected, a))).toBeGreaterThanOrEqual(3);
    } finally {
      await unprotected.close();
    }
  });

  it('concurrent operations of different tenants never see each other', async () => {
    const tenants = await Promise.all(['CcA', 'CcB', 'CcC'].map((label) => ownerContext(db, label)));
    const clients = tenants.map((ctx) => createTenantClient(db, ctx));
    const seen = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const index = i % clients.length;
        const rows = await (clients[index] as ReturnType<typeof createTenantClient>).query<{ tenant: string }>(
          'select tenantdb.current_tenant_id()::text as tenant',
        );
        return rows[0]?.tenant === tenants[index]?.tenantId;
      }),
    );
    expect(seen.filter(Boolean).length).toBe(300);
  });
});

/** A one-shot signal: `fired` resolves once `fire()` is called. */
function signal(): { fire: () => void; fired: Promise<void> } {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fire, fired };
}

describe("another caller's open transaction", () => {
  it('a single statement never runs inside it (on PGlite it waits for it; on a server it has its own connection)', async () => {
    const a = await ownerContext(db, 'OpenTxA');
    const b = await ownerContext(db, 'OpenTxB');
    const gate = signal();
    const isOpen = signal();
    const transaction = withTenantContext(db, a, async (_tx, scoped) => {
      await scoped.tables.conversations.insert({ title: 'inside a' });
      isOpen.fire();
      await gate.fired;
      return scoped.tables.conversations.count();
    });
    await isOpen.fired;
    const single = createTenantClient(db, b).query<{ tenant: string; n: number }>(
      'select tenantdb.current_tenant_id()::text as tenant, (select count(*)::int from conversations) as n',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.fire();
    const [rows, countInA] = await Promise.all([single, transaction]);
    expect(rows).toEqual([{ tenant: b.tenantId, n: 0 }]);
    expect(countInA).toBe(1);
  });
});

describe.skipIf(isServer)('why PGlite pipelines take the transaction lock', () => {
  it("without it, protocol messages run inside another caller's open transaction and see its context", async () => {
    const pglite = await PGlite.create();
    try {
      const gate = signal();
      const isOpen = signal();
      const transaction = pglite.transaction(async (tx) => {
        await tx.query(`select set_config('app.current_tenant_id', 'tenant-a', true)`);
        isOpen.fire();
        await gate.fired;
      });
      await isOpen.fired;
      // The query lock alone, as PGlite's public runExclusive() takes it: this runs inside the
      // open transaction. queryInPipeline also takes the transaction lock, so it waits instead.
      const messages = await pglite._runExclusiveQuery(() =>
        pglite.execProtocolStream(
          protocol.serialize.query(`select current_setting('app.current_tenant_id', true) as t`),
          { syncToFs: false },
        ),
      );
      gate.fire();
      await transaction;
      const seen = messages
        .filter((m) => m.name === 'dataRow')
        .map((m) => (m as unknown as { fields: unknown[] }).fields[0]);
      expect(seen).toEqual(['tenant-a']);
    } finally {
      await pglite.close();
    }
  });
});

describe('one statement, all or nothing', () => {
  it('a statement that fails writes nothing, and the connection is usable afterwards', async () => {
    const single = await t.connect({ max: 1 });
    try {
      const a = await ownerContext(single, 'Fails');
      const tenant = createTenantClient(single, a);
      const failed = await codeOf(
        tenant.run((q) =>
          q.execute(
            sql`with made as (insert into conversations (title) values ('half') returning 1) select 1 / 0 from made`,
          ),
        ),
      );
      expect(failed).toBeDefined();
      expect(await tenant.tables.conversations.count()).toBe(0);
      // The same through query(): a typed error, nothing kept.
      const queryFailed = await codeOf(
        tenant.query(
          `with made as (insert into conversations (title) values ($1) returning 1) select 1 / 0 from made`,
          ['half'],
        ),
      );
      expect(queryFailed).toBeDefined();
      expect(await tenant.tables.conversations.count()).toBe(0);
      await tenant.tables.conversations.insert({ title: 'after' });
      expect(await tenant.tables.conversations.count()).toBe(1);
    } finally {
      await single.close();
    }
  });

  it('a second statement in run() is refused before it is sent (STATEMENT_LIMIT)', async () => {
    const a = await ownerContext(db, 'Twice');
    const tenant = createTenantClient(db, a);
    const code = await codeOf(
      tenant.run(async (q) => {
        await q.insert(conversations).values({ title: 'first' });
        await q.insert(conversations).values({ title: 'second' });
      }),
    );
    expect(code).toBe('STATEMENT_LIMIT');
    const titles = await tenant.tables.conversations.findMany();
    expect(titles.map((c) => c.title).filter((title) => title === 'second')).toEqual([]);
    // Several statements belong in transaction(), which is atomic.
    await tenant.transaction(async (tx) => {
      await tx.insert(conversations).values({ title: 'x1' });
      await tx.insert(conversations).values({ title: 'x2' });
    });
    expect(await tenant.tables.conversations.count(sql`${conversations.title} in ('x1', 'x2')`)).toBe(2);
  });

  it('a suspended tenant reads but cannot write (TENANT_SUSPENDED), through the same single round trip', async () => {
    const a = await ownerContext(db, 'Paused');
    const tenant = createTenantClient(db, a);
    await tenant.tables.conversations.insert({ title: 'before' });
    await setTenantStatus(systemOf(db), a.tenantId, 'SUSPENDED');
    expect((await tenant.tables.conversations.findMany()).length).toBe(1);
    expect(await codeOf(tenant.tables.conversations.insert({ title: 'during' }))).toBe('TENANT_SUSPENDED');
    expect(await countOf(a.tenantId)).toBe(1);
  });

  it('a context that cannot open (not a member) runs no statement', async () => {
    const a = await ownerContext(db, 'Owner');
    const b = await ownerContext(db, 'Stranger');
    const code = await codeOf(
      createTenantClient(db, { tenantId: a.tenantId, userId: b.userId }).tables.conversations.insert({ title: 'no' }),
    );
    expect(code).toBe('NOT_A_MEMBER');
    expect(await countOf(a.tenantId)).toBe(0);
  });
});
