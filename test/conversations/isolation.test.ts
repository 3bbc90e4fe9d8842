/**
 * Isolation of the conversation lists: tenant B's conversations and messages never appear in
 * tenant A's lists, not even when A asks for B's conversation by id or filters by B's widget. Two
 * protections hold it: RLS (forced, as tenantdb_app) and the explicit `tenant_id = $tenant`
 * predicate of both queries. Shown by attack: with RLS disabled on the two tables (as the owner,
 * restored after), a read of A without the predicate sees B's rows, and the module's functions,
 * which carry the predicate, still see A's only.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConversations, listMessages } from '../../src/conversations/index.ts';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { rowsOf } from '../../src/db/rows.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { ownerContext, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;
let aConversation: string;
let bConversation: string;
let bWidget: string;

const TABLES = ['conversations', 'messages'] as const;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Isolation A');
  b = await ownerContext(db, 'Isolation B');
  const forA = tenantOf(db, a);
  const forB = tenantOf(db, b);
  aConversation = (await forA.tables.conversations.insert({ title: 'A chat', persona: 'cfo' })).id;
  await forA.tables.messages.insert({ conversationId: aConversation, role: 'user', content: 'A message' });
  bWidget = (await forB.tables.widgets.insert({ name: 'B site' })).id;
  const bRows = await forB.tables.conversations.insert([
    { title: 'B secret 1', persona: 'cfo', widgetId: bWidget },
    { title: 'B secret 2', persona: 'cfo', widgetId: bWidget },
    { title: 'B secret 3', persona: 'ceo' },
  ]);
  bConversation = bRows[0]?.id as string;
  await forB.tables.messages.insert(
    Array.from({ length: 4 }, (_, i) => ({
      conversationId: bConversation,
      role: 'user' as const,
      content: `B message ${i}`,
    })),
  );
});
afterAll(async () => {
  await t?.dispose();
});

/** What A's list functions return, asked for everything, for B's widget and for B's conversation. */
async function throughTheApi() {
  const tenant = tenantOf(db, a);
  const all = await listConversations(tenant, { limit: 500 });
  const cfo = await tenant.conversations.list({ persona: 'cfo' });
  const ofBWidget = await listConversations(tenant, { widgetId: bWidget });
  const own = await listMessages(tenant, aConversation);
  const ofB = await tenant.conversations.messages(bConversation, { limit: 500 });
  return {
    conversations: all.items.map((c) => c.title),
    cfo: cfo.items.map((c) => c.title),
    ofBWidget: ofBWidget.items.length,
    messages: own.items.map((m) => m.content),
    ofB: ofB.items.length,
  };
}

const A_ONLY = { conversations: ['A chat'], cfo: ['A chat'], ofBWidget: 0, messages: ['A message'], ofB: 0 };

/** Rows of each table A's context reads with no tenant predicate: RLS alone decides. */
function withoutPredicate() {
  return withTenantContext(db, a, async (tx) => {
    const [row] = rowsOf<{ conversations: number; messages: number }>(
      await tx.execute(sql`select
        (select count(*) from conversations)::int as conversations,
        (select count(*) from messages)::int as messages`),
    );
    return row;
  });
}

async function setRowSecurity(enabled: boolean) {
  for (const table of TABLES) {
    await t.db.rawQuery(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
  }
}

describe('conversations isolation', () => {
  it("A's lists hold none of B's rows, nor does a read of A without the predicate", async () => {
    expect(await throughTheApi()).toEqual(A_ONLY);
    expect(await withoutPredicate()).toEqual({ conversations: 1, messages: 1 });
  });

  it("with RLS removed, a read without the predicate leaks B's rows; the functions' own predicate still holds", async () => {
    await setRowSecurity(false);
    try {
      // The attack succeeds: RLS was what kept B's rows out of the unfiltered read.
      expect(await withoutPredicate()).toEqual({ conversations: 4, messages: 5 });
      // The second protection: both queries of the module name the tenant itself.
      expect(await throughTheApi()).toEqual(A_ONLY);
    } finally {
      await setRowSecurity(true);
    }
    expect(await withoutPredicate()).toEqual({ conversations: 1, messages: 1 });
    const forced = await t.db.rawQuery<{ relname: string; on: boolean; forced: boolean }>(
      `select relname, relrowsecurity as on, relforcerowsecurity as forced from pg_class
        where relname = any($1::text[]) order by relname`,
      [TABLES],
    );
    expect(forced.map((r) => [r.relname, r.on, r.forced])).toEqual(TABLES.map((name) => [name, true, true]));
  });
});
