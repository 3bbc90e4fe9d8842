/**
 * The scoped API's statements built once per shape (src/tenancy/statement-cache.ts): `get(id)` and
 * `insert` reuse one prepared statement across calls, clients and tenants, and every value — the
 * tenant's id included — is bound on each call, so a statement built for one tenant never serves
 * another. Shown on a connection that skips the role switch (RLS bypassed: the application layer
 * alone), where the same lookup without the tenant filter does read the other tenant's row.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantClient, type TenantContext } from '../src/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { codeOf, ownerContext } from './helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let bypass: TestDb;
let A: TenantContext;
let B: TenantContext;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  bypass = await t.connect({ dangerouslySkipRoleSwitch: true });
  A = await ownerContext(db, 'CacheA');
  B = await ownerContext(db, 'CacheB');
});
afterAll(async () => {
  await t?.dispose();
});

describe('get(id)', () => {
  it("finds the tenant's own row, and never another tenant's, through the same cached statement", async () => {
    const a = await createTenantClient(db, A).tables.conversations.insert({ title: 'a' });
    const b = await createTenantClient(db, B).tables.conversations.insert({ title: 'b' });
    // Fresh clients each time (as per request): one statement for all of them.
    expect((await createTenantClient(db, A).tables.conversations.get(a.id))?.title).toBe('a');
    expect((await createTenantClient(db, B).tables.conversations.get(b.id))?.title).toBe('b');
    expect(await createTenantClient(db, A).tables.conversations.get(b.id)).toBeUndefined();
    // The application layer alone (RLS bypassed) keeps B's row from A's client: the tenant is
    // bound on each call...
    expect(await createTenantClient(bypass, A).tables.conversations.get(b.id)).toBeUndefined();
    expect((await createTenantClient(bypass, B).tables.conversations.get(b.id))?.title).toBe('b');
    // ...and without that filter the same lookup on that connection reads B's row.
    const leaked = await createTenantClient(bypass, A).run((tx) =>
      tx.execute(sql`select title from conversations where id = ${b.id}`),
    );
    expect(JSON.stringify(leaked)).toContain('"b"');
  });

  it('refuses a malformed id as the database does, and an unknown one is undefined', async () => {
    expect(await createTenantClient(db, A).tables.conversations.get('00000000-0000-4000-8000-000000000000')).toBe(
      undefined,
    );
    expect(await codeOf(createTenantClient(db, A).tables.conversations.get('nope'))).toBeDefined();
  });
});

describe('insert', () => {
  it('one cached statement per shape: values, nulls, JSON and dates are bound on each call', async () => {
    const client = createTenantClient(db, A);
    const conversation = await client.tables.conversations.insert({ title: 'cache' });
    const rows = [];
    for (let i = 0; i < 3; i++) {
      rows.push(
        await createTenantClient(db, A).tables.messages.insert({
          conversationId: conversation.id,
          role: 'user',
          content: `message ${i}`,
          metadata: { model: `m${i}`, latencyMs: i },
          tokensUsed: i === 1 ? null : i * 10,
        }),
      );
    }
    expect(rows.map((r) => [r.content, r.metadata, r.tokensUsed, r.tenantId])).toEqual([
      ['message 0', { model: 'm0', latencyMs: 0 }, 0, A.tenantId],
      ['message 1', { model: 'm1', latencyMs: 1 }, null, A.tenantId],
      ['message 2', { model: 'm2', latencyMs: 2 }, 20, A.tenantId],
    ]);
    expect(rows[0]?.createdAt).toBeInstanceOf(Date);
    // Keys in another order, and explicit undefined, are the same shape.
    const same = await client.tables.messages.insert({
      tokensUsed: 5,
      metadata: {},
      content: 'reordered',
      role: 'assistant',
      conversationId: conversation.id,
      attachments: undefined,
    });
    expect([same.content, same.role, same.tokensUsed]).toEqual(['reordered', 'assistant', 5]);
  });

  it('a batch whose rows give different columns is built per call, and still right', async () => {
    const client = createTenantClient(db, B);
    const made = await client.tables.conversations.insert([{ title: 'one' }, { title: 'two', persona: 'cfo' }]);
    expect(made.map((r) => [r.title, r.persona, r.tenantId])).toEqual([
      ['one', 'ceo', B.tenantId],
      ['two', 'cfo', B.tenantId],
    ]);
    const again = await client.tables.conversations.insert([{ title: 'three' }, { title: 'four' }]);
    expect(again.map((r) => r.title)).toEqual(['three', 'four']);
  });

  it('a cached insert cannot be pointed at another tenant: the tenant is checked and bound on each call', async () => {
    const a = createTenantClient(bypass, A);
    const b = createTenantClient(bypass, B);
    await a.tables.conversations.insert({ title: 'warm' });
    expect(await codeOf(a.tables.conversations.insert({ title: 'x', tenantId: B.tenantId }))).toBe('TENANT_MISMATCH');
    const row = await b.tables.conversations.insert({ title: 'mine' });
    expect(row.tenantId).toBe(B.tenantId);
  });
});
