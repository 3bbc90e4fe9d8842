/** Opening a tenant context: validation, membership, tenant status, lifetime, system context. */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  checkDatabaseHealth,
  createDatabase,
  createSystemClient,
  createTenantClient,
  openTenantContext,
  provisionTenant,
  setTenantStatus,
  withSystemContext,
  withTenantContext,
  TenantDbError,
  type TenantContext,
} from '../src/index.ts';
import { conversations, tenantMembers } from '../src/schema/index.ts';
import { codeOf, systemOf } from './helpers/tenants.ts';
import { connections, createTestDatabase, isServer, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { rowsOf } from './helpers/load.ts';

let t: TestDatabase;
let db: TestDb;

async function tenant(label: string, status: 'ACTIVE' | 'TRIAL' = 'ACTIVE') {
  const stamp = randomUUID().slice(0, 8);
  const { tenant: row, ownerId } = await provisionTenant(systemOf(db), {
    name: label,
    slug: `ctx-${label.toLowerCase()}-${stamp}`,
    status,
    owner: { email: `${label.toLowerCase()}-${stamp}@example.test` },
  });
  return { tenantId: row.id, userId: ownerId as string };
}

const conversationCount = (tenantId: string) =>
  withSystemContext(
    db,
    async (tx) => (await tx.select().from(conversations).where(eq(conversations.tenantId, tenantId))).length,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

describe('validation before any query', () => {
  it('a missing context is TENANT_CONTEXT_MISSING', async () => {
    for (const bad of [undefined, null, {}, { tenantId: null }, { userId: randomUUID() }]) {
      expect(await codeOf(withTenantContext(db, bad as unknown as TenantContext, async () => 1))).toBe(
        'TENANT_CONTEXT_MISSING',
      );
    }
  });

  it('malformed ids are INVALID_TENANT_ID / INVALID_USER_ID and nothing is written', async () => {
    const a = await tenant('Valid');
    const before = await conversationCount(a.tenantId);
    const write = (context: TenantContext) =>
      withTenantContext(db, context, (tx) => tx.insert(conversations).values({ tenantId: a.tenantId, title: 'x' }));
    for (const tenantId of ['', 'abc', `${a.tenantId}x`, `'; drop table conversations; --`, 42 as unknown as string]) {
      expect(await codeOf(write({ tenantId }))).toBe('INVALID_TENANT_ID');
    }
    expect(await codeOf(write({ tenantId: a.tenantId, userId: 'bob' }))).toBe('INVALID_USER_ID');
    expect(await conversationCount(a.tenantId)).toBe(before);
  });

  it('an unknown tenant is TENANT_NOT_FOUND', async () => {
    expect(await codeOf(withTenantContext(db, { tenantId: randomUUID() }, async () => 1))).toBe('TENANT_NOT_FOUND');
  });
});

describe('membership', () => {
  it('an active member opens the context; a stranger is NOT_A_MEMBER', async () => {
    const a = await tenant('Members');
    const b = await tenant('Other');
    expect(await withTenantContext(db, a, async (_tx, scoped) => scoped.context.status)).toBe('ACTIVE');
    expect(await codeOf(withTenantContext(db, { tenantId: a.tenantId, userId: b.userId }, async () => 1))).toBe(
      'NOT_A_MEMBER',
    );
    expect(await codeOf(withTenantContext(db, { tenantId: a.tenantId, userId: randomUUID() }, async () => 1))).toBe(
      'NOT_A_MEMBER',
    );
  });

  it('an INACTIVE or SUSPENDED membership is refused, and re-activation restores it', async () => {
    const a = await tenant('Inactive');
    const memberId = await addMember(systemOf(db), a.tenantId, { email: `m-${randomUUID()}@example.test` });
    for (const status of ['INACTIVE', 'SUSPENDED', 'INVITED'] as const) {
      await withSystemContext(db, (tx) =>
        tx.update(tenantMembers).set({ status }).where(eq(tenantMembers.userId, memberId)),
      );
      expect(await codeOf(withTenantContext(db, { tenantId: a.tenantId, userId: memberId }, async () => 1))).toBe(
        'NOT_A_MEMBER',
      );
    }
    await addMember(systemOf(db), a.tenantId, { email: `ignored@example.test` }); // unrelated member
    await withSystemContext(db, (tx) =>
      tx.update(tenantMembers).set({ status: 'ACTIVE' }).where(eq(tenantMembers.userId, memberId)),
    );
    expect(await withTenantContext(db, { tenantId: a.tenantId, userId: memberId }, async () => 'open')).toBe('open');
  });
});

describe('tenant status', () => {
  it('TRIAL tenants work like ACTIVE ones', async () => {
    const a = await tenant('Trial', 'TRIAL');
    const row = await withTenantContext(db, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'trial' }));
    expect(row.tenantId).toBe(a.tenantId);
  });

  it('SUSPENDED: reads work, writes are TENANT_SUSPENDED and nothing is written; ACTIVE again restores writes', async () => {
    const a = await tenant('Suspended');
    await withTenantContext(db, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'before' }));
    await setTenantStatus(systemOf(db), a.tenantId, 'SUSPENDED');
    const read = await withTenantContext(db, a, (_tx, scoped) => scoped.tables.conversations.findMany());
    expect(read.map((r) => r.title)).toEqual(['before']);
    expect(
      await codeOf(withTenantContext(db, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'x' }))),
    ).toBe('TENANT_SUSPENDED');
    expect(
      await codeOf(withTenantContext(db, a, (tx) => tx.execute(sql`update conversations set title = 'raw write'`))),
    ).toBe('TENANT_SUSPENDED');
    // Raw SQL cannot switch the transaction back to read-write after the context opened.
    expect(await codeOf(withTenantContext(db, a, (tx) => tx.execute(sql`set transaction read write`)))).toBeDefined();
    expect(await conversationCount(a.tenantId)).toBe(1);
    await setTenantStatus(systemOf(db), a.tenantId, 'ACTIVE');
    await withTenantContext(db, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'after' }));
    expect(await conversationCount(a.tenantId)).toBe(2);
  });

  it('CANCELLED: no access at all', async () => {
    const a = await tenant('Cancelled');
    await setTenantStatus(systemOf(db), a.tenantId, 'CANCELLED');
    expect(await codeOf(withTenantContext(db, a, async () => 1))).toBe('TENANT_CANCELLED');
    expect(await codeOf(withTenantContext(db, { tenantId: a.tenantId }, async () => 1))).toBe('TENANT_CANCELLED');
  });
});

describe('lifetime: the context is transaction-local', () => {
  it('nothing of the context survives the transaction on the same connection', async () => {
    const a = await tenant('Lifetime');
    // One connection, so the next query runs on the same backend session. The application
    // connection's: in split mode the system connection (rawQuery) is another one.
    const single = isServer ? await t.connect({ max: 1 }) : db;
    await withTenantContext(single, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'x' }));
    const [after] = await single.tenantTransaction((tx) =>
      rowsOf<{ tenant: string | null; role: string; login: string }>(
        tx,
        sql`select current_setting('app.current_tenant_id', true) as tenant, current_user as role, session_user as login`,
      ),
    );
    expect(after?.tenant ?? '').toBe('');
    // No role switch survives: the connection is its login role again (in split mode that login
    // is tenantdb_app itself; otherwise the privileged owner).
    expect(after?.role).toBe(after?.login);
    if (connections === 'split') expect(after?.login).toBe('tenantdb_app');
    else expect(after?.role).not.toBe('tenantdb_app');
    const seen = await single.tenantTransaction(async (tx) => {
      await tx.execute(sql`set local role tenantdb_app`);
      return tx.select().from(conversations);
    });
    expect(seen).toEqual([]);
  });

  it('a throwing callback rolls back everything it wrote', async () => {
    const a = await tenant('Rollback');
    await expect(
      withTenantContext(db, a, async (_tx, scoped) => {
        await scoped.tables.conversations.insert({ title: 'doomed' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await conversationCount(a.tenantId)).toBe(0);
  });

  it("a transaction cannot switch to another tenant's context", async () => {
    const a = await tenant('First');
    const b = await tenant('Second');
    expect(
      await codeOf(
        withTenantContext(db, a, (tx) =>
          tx.execute(sql`select tenantdb.open_context(${b.tenantId}::uuid, null, true)`),
        ),
      ),
    ).toBe('CONTEXT_ALREADY_OPEN');
  });

  it('openTenantContext opens the context on a plain Drizzle transaction of the application connection', async () => {
    const a = await tenant('Plain');
    const rows = await db.tenantTransaction(async (tx) => {
      expect(await openTenantContext(tx, { tenantId: a.tenantId }, { switchRole: db.switchRole })).toBe('ACTIVE');
      await tx.insert(conversations).values({ title: 'plain' });
      return tx.select().from(conversations);
    });
    expect(rows.map((r) => [r.tenantId, r.title])).toEqual([[a.tenantId, 'plain']]);
  });
});

describe('createTenantClient', () => {
  it('each operation is its own transaction: no connection or transaction is held in between', async () => {
    const a = await tenant('ClientA');
    const b = await tenant('ClientB');
    // With a pool of one connection, the second client could not run if the first held it.
    const single = isServer ? await t.connect({ max: 1 }) : db;
    const clientA = createTenantClient(single, a);
    const clientB = createTenantClient(single, b);
    const conv = await clientA.tables.conversations.insert({ title: 'a1' });
    await clientB.tables.conversations.insert({ title: 'b1' });
    await clientA.tables.messages.insert({ conversationId: conv.id, role: 'user', content: 'hi' });
    expect((await clientA.tables.conversations.findMany()).map((c) => c.title)).toEqual(['a1']);
    expect((await clientB.tables.conversations.findMany()).map((c) => c.title)).toEqual(['b1']);
    expect(await clientA.tables.messages.count()).toBe(1);
    if (isServer) {
      const [open] = await db.rawQuery<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
      );
      expect(open?.n).toBe(0);
    }
  });

  it('authorizes on every statement: a suspension, a removed membership and a cancellation take effect on the very next one', async () => {
    const a = await tenant('NextStatement');
    const memberId = await addMember(systemOf(db), a.tenantId, { email: `next-${randomUUID()}@example.test` });
    // One client per tenant and user, kept across the changes (nothing is cached in it).
    const app = createTenantClient(db, { tenantId: a.tenantId });
    const member = createTenantClient(db, { tenantId: a.tenantId, userId: memberId });
    await app.tables.conversations.insert({ title: 'before' });
    expect(await member.query('select id from conversations')).toHaveLength(1);

    await setTenantStatus(systemOf(db), a.tenantId, 'SUSPENDED');
    expect(await codeOf(app.tables.conversations.insert({ title: 'x' }))).toBe('TENANT_SUSPENDED');
    expect(await codeOf(app.query(`insert into conversations (title) values ('raw')`))).toBe('TENANT_SUSPENDED');
    expect(await app.query('select id from conversations')).toHaveLength(1);
    await setTenantStatus(systemOf(db), a.tenantId, 'ACTIVE');
    await app.tables.conversations.insert({ title: 'after' });

    await withSystemContext(db, (tx) =>
      tx.update(tenantMembers).set({ status: 'INACTIVE' }).where(eq(tenantMembers.userId, memberId)),
    );
    expect(await codeOf(member.query('select id from conversations'))).toBe('NOT_A_MEMBER');
    expect(await codeOf(member.tables.conversations.findMany())).toBe('NOT_A_MEMBER');
    await withSystemContext(db, (tx) => tx.delete(tenantMembers).where(eq(tenantMembers.userId, memberId)));
    expect(await codeOf(member.query('select id from conversations'))).toBe('NOT_A_MEMBER');

    await setTenantStatus(systemOf(db), a.tenantId, 'CANCELLED');
    expect(await codeOf(app.query('select id from conversations'))).toBe('TENANT_CANCELLED');
    expect(await codeOf(app.tables.conversations.findMany())).toBe('TENANT_CANCELLED');
    expect(await conversationCount(a.tenantId)).toBe(2);
  });

  it('is built lazily but behaves like a frozen object: namespaces and tables are made once, nothing can be written', async () => {
    const a = await tenant('Lazy');
    const client = createTenantClient(db, a);
    expect(client.tables).toBe(client.tables);
    expect(client.tables.messages).toBe(client.tables.messages);
    expect(client.apiKeys).toBe(client.apiKeys);
    expect((client.tables as Record<string, unknown>).nope).toBeUndefined();
    expect('nope' in client.tables).toBe(false);
    expect(() => {
      (client as unknown as Record<string, unknown>).query = () => [];
    }).toThrow(TypeError);
    expect(() => {
      (client.tables as unknown as Record<string, unknown>).messages = {};
    }).toThrow(TypeError);
    expect(() => delete (client as unknown as Record<string, unknown>).tables).toThrow(TypeError);
    // A spread copies every key, namespaces included.
    const copy = { ...client };
    expect(copy.rbac).toBe(client.rbac);
    expect(await copy.tables.conversations.findMany()).toEqual([]);
  });

  it('refuses a malformed context at creation', () => {
    expect(() => createTenantClient(db, { tenantId: 'nope' })).toThrow(/UUID/);
  });
});

describe('system context', () => {
  it('works on the owner connection, and logs its reason', async () => {
    const reason = `test reason ${randomUUID()}`;
    const role = await withSystemContext(db, async (tx) => tx.execute(sql`select current_user as role`), { reason });
    expect(JSON.stringify(role)).toContain('tenantdb_system');
    const [logged] = await db.rawQuery<{ n: number }>(
      `select count(*)::int as n from tenantdb.system_context_log where reason = $1`,
      [reason],
    );
    expect(logged?.n).toBe(1);
  });

  it('is refused to tenantdb_app, so a tenant transaction cannot escalate', async () => {
    const a = await tenant('Escalate');
    const code = await codeOf(
      withTenantContext(db, a, (tx) => tx.execute(sql`select tenantdb.open_system_context('escalate')`)),
    );
    expect(code).toBeDefined();
    const state = await withTenantContext(db, a, (tx) =>
      tx.execute(sql`select tenantdb.open_system_context('escalate')`),
    ).then(
      () => 'allowed',
      (e: { sqlState?: string; cause?: { code?: string; cause?: { code?: string } } }) =>
        e.sqlState ?? e.cause?.cause?.code ?? e.cause?.code,
    );
    expect(state).toBe('42501');
  });

  it.skipIf(!isServer)('connected as tenantdb_app: the system context is SYSTEM_CONTEXT_FORBIDDEN', async () => {
    const url = new URL(t.url as string);
    url.username = 'tenantdb_app';
    url.password = '';
    const appDb = await createDatabase({ url: url.toString() });
    try {
      const a = await tenant('AppLogin');
      await withTenantContext(appDb, a, (_tx, scoped) => scoped.tables.conversations.insert({ title: 'as app' }));
      expect((await createTenantClient(appDb, a).tables.conversations.findMany()).length).toBe(1);
      const raw = new pg.Client({ connectionString: url.toString() });
      await raw.connect();
      try {
        expect((await raw.query('select count(*)::int as n from conversations')).rows[0].n).toBe(0);
        await expect(
          raw.query(`insert into conversations (tenant_id, title) values ($1, 'x')`, [a.tenantId]),
        ).rejects.toThrow();
      } finally {
        await raw.end();
      }
      // Refused with a typed error, both ways in: withSystemContext and a system client.
      const refusals = [
        () => withSystemContext(appDb, async () => 1, { reason: 'escalate' }),
        () =>
          createSystemClient(appDb, { reason: 'escalate' }).tenants.provision({
            name: 'Never',
            slug: `never-${randomUUID().slice(0, 8)}`,
          }),
        () => createSystemClient(appDb, { reason: 'escalate' }).transaction(async () => 1),
      ];
      for (const refusal of refusals) {
        const error = await refusal().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TenantDbError);
        expect((error as TenantDbError).code).toBe('SYSTEM_CONTEXT_FORBIDDEN');
      }
      const [logged] = await db.rawQuery<{ n: number }>(
        `select count(*)::int as n from tenantdb.system_context_log where reason = 'escalate'`,
      );
      expect(logged?.n).toBe(0);
    } finally {
      await appDb.close();
    }
  });

  it.skipIf(!isServer)(
    'split mode refuses a privileged application connection: the first tenant operation is CONFIG_INVALID',
    async () => {
      // Two different URLs make a split database; both log in as the superuser here.
      const systemUrl = new URL(t.url as string);
      systemUrl.searchParams.set('application_name', 'tenantdb_split_check');
      const privileged = await createDatabase({ url: t.url as string, systemUrl: systemUrl.toString(), max: 2 });
      try {
        expect(privileged.connections).toBe('split');
        const a = await tenant('PrivilegedApp');
        const refusals = [
          () => withTenantContext(privileged, a, (tx) => tx.select().from(conversations)),
          () => createTenantClient(privileged, a).tables.conversations.findMany(),
          () => createTenantClient(privileged, a).query('select 1'),
        ];
        for (const refusal of refusals) {
          const error = await refusal().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(TenantDbError);
          expect((error as TenantDbError).code).toBe('CONFIG_INVALID');
        }
        // System work on the system connection is not affected.
        expect(await withSystemContext(privileged, async () => 'system', { reason: 'split check' })).toBe('system');
      } finally {
        await privileged.close();
      }
    },
  );
});

it('checkDatabaseHealth reports a migrated, safe database', async () => {
  const health = await checkDatabaseHealth(db);
  expect(health.ok).toBe(true);
  expect(health.migrations?.pending).toBe(0);
  expect(health.appRoleSafe).toBe(true);
});
