/**
 * listConversations (newest first) and listMessages (oldest first), both through the keyset
 * helper: pages over ties of one statement and of one microsecond with nothing skipped or
 * repeated, the filters, input and cursors checked before any SQL (a cursor altered, of another
 * list, of another conversation or of another tenant is INVALID_INPUT), and the namespace.
 */
import { getTableColumns, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInsights } from '../../src/analytics/index.ts';
import {
  listConversations,
  listMessages,
  type Conversation,
  type ListConversationsOptions,
  type Message,
} from '../../src/conversations/index.ts';
import { addMember, withTenantContext, type TenantContext } from '../../src/index.ts';
import { conversations, messages, moduleInsights } from '../../src/schema/index.ts';
import { countingScope } from '../analytics/helpers.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let c: TenantContext & { userId: string };
let b: TenantContext;
let otherUser: string;
let widgetA: string;
let widgetB: string;
/** C's conversations in the database's own order: created_at desc, id desc. */
let order: Pick<Conversation, 'id' | 'widgetId' | 'userId' | 'persona' | 'title'>[];
/** Conversation X's messages in the database's own order: created_at asc, id asc; and Y's. */
let x: string;
let y: string;
let xOrder: string[];
let yOrder: string[];

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  c = await ownerContext(db, 'Conversations C');
  b = await ownerContext(db, 'Conversations B');
  otherUser = await addMember(systemOf(db), c.tenantId, { email: `other-${c.tenantId}@example.test` });
  const tenant = tenantOf(db, c);
  widgetA = (await tenant.tables.widgets.insert({ name: 'Site A' })).id;
  widgetB = (await tenant.tables.widgets.insert({ name: 'Site B' })).id;
  const personas = ['ceo', 'cfo', 'cmo', 'cto', 'custom'] as const;
  await withTenantContext(db, c, async (tx) => {
    // Nine conversations of one statement (one created_at: ties broken by id only) …
    await tx.insert(conversations).values(
      Array.from({ length: 9 }, (_, i) => ({
        title: `batch ${i}`,
        persona: personas[i % 5] as (typeof personas)[number],
        widgetId: i % 3 === 0 ? widgetB : widgetA,
        userId: i % 2 === 0 ? c.userId : otherUser,
      })),
    );
    // … and four 1 µs apart, two of them at the same microsecond.
    for (const us of ['001', '002', '002', '003']) {
      await tx.insert(conversations).values({
        title: `micro ${us}`,
        persona: 'cfo',
        widgetId: widgetA,
        userId: c.userId,
        createdAt: sql`${`2025-01-01T00:00:00.000${us}Z`}::timestamptz`,
      });
    }
    order = await tx
      .select({
        id: conversations.id,
        widgetId: conversations.widgetId,
        userId: conversations.userId,
        persona: conversations.persona,
        title: conversations.title,
      })
      .from(conversations)
      .orderBy(sql`${conversations.createdAt} desc, ${conversations.id} desc`);
    [x, y] = order.map((o) => o.id) as [string, string];
    // X: seven messages of one statement, then three 1 µs apart (two at one microsecond),
    // later than the seven; Y: two.
    await tx
      .insert(messages)
      .values(
        Array.from({ length: 7 }, (_, i) => ({ conversationId: x, role: 'user' as const, content: `x batch ${i}` })),
      );
    for (const us of ['001', '002', '002']) {
      await tx.insert(messages).values({
        conversationId: x,
        role: 'assistant',
        content: `x micro ${us}`,
        createdAt: sql`${`2999-01-01T00:00:00.000${us}Z`}::timestamptz`,
      });
    }
    await tx.insert(messages).values([
      { conversationId: y, role: 'user', content: 'y 0' },
      { conversationId: y, role: 'assistant', content: 'y 1' },
    ]);
    const ordered = (conversationId: string) =>
      tx
        .select({ id: messages.id })
        .from(messages)
        .where(sql`${messages.conversationId} = ${conversationId}`)
        .orderBy(sql`${messages.createdAt} asc, ${messages.id} asc`);
    xOrder = (await ordered(x)).map((m) => m.id);
    yOrder = (await ordered(y)).map((m) => m.id);
  });
  // B's conversations and messages, at the same time: never listed for C.
  const bConvo = await tenantOf(db, b).tables.conversations.insert({ title: 'B secret', persona: 'cfo' });
  await tenantOf(db, b).tables.messages.insert({ conversationId: bConvo.id, role: 'user', content: 'B secret' });
});
afterAll(async () => {
  await t?.dispose();
});

async function everyConversation(ctx: TenantContext, options: Omit<ListConversationsOptions, 'cursor'>) {
  const items: Conversation[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listConversations(tenantOf(db, ctx), { ...options, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 50);
  return { items, pages };
}

async function everyMessage(ctx: TenantContext, conversationId: string, limit: number) {
  const items: Message[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await tenantOf(db, ctx).conversations.messages(conversationId, { limit, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 50);
  return { items, pages };
}

describe('listConversations', () => {
  it('pages newest first over ties, more than one page, nothing skipped or repeated', async () => {
    expect(order).toHaveLength(13);
    for (const limit of [1, 2, 4, 5, 9, 12]) {
      const { items, pages } = await everyConversation(c, { limit });
      expect(
        items.map((i) => i.id),
        `limit ${limit}`,
      ).toEqual(order.map((o) => o.id));
      expect(pages).toBe(Math.ceil(13 / limit));
    }
    const all = await tenantOf(db, c).conversations.list();
    expect(all.items).toHaveLength(13);
    expect(all.nextCursor).toBeNull();
    // The table's columns, without the helper's cursor column.
    expect(Object.keys(all.items[0] ?? {}).sort()).toEqual(Object.keys(getTableColumns(conversations)).sort());
    // The micro rows are the oldest, newest of them first; ties at one microsecond by id.
    expect(all.items.slice(-4).map((i) => i.title)).toEqual(['micro 003', 'micro 002', 'micro 002', 'micro 001']);
  });

  it('filters by widget, user and persona, alone and together, each page one statement', async () => {
    const cases: [Omit<ListConversationsOptions, 'cursor'>, (o: (typeof order)[number]) => boolean][] = [
      [{ widgetId: widgetA }, (o) => o.widgetId === widgetA],
      [{ widgetId: widgetB }, (o) => o.widgetId === widgetB],
      [{ userId: otherUser }, (o) => o.userId === otherUser],
      [{ persona: 'cfo' }, (o) => o.persona === 'cfo'],
      [
        { widgetId: widgetA, userId: c.userId, persona: 'cfo' },
        (o) => o.widgetId === widgetA && o.userId === c.userId && o.persona === 'cfo',
      ],
      // An id in capitals is the same id.
      [{ widgetId: widgetB.toUpperCase() }, (o) => o.widgetId === widgetB],
    ];
    for (const [filter, keep] of cases) {
      const expected = order.filter(keep).map((o) => o.id);
      expect(expected.length, JSON.stringify(filter)).toBeGreaterThan(1);
      const { items, pages } = await everyConversation(c, { ...filter, limit: 2 });
      expect(
        items.map((i) => i.id),
        JSON.stringify(filter),
      ).toEqual(expected);
      expect(pages).toBe(Math.ceil(expected.length / 2));
    }
    // A widget of no conversation: an empty page.
    expect(await listConversations(tenantOf(db, c), { widgetId: b.tenantId })).toEqual({ items: [], nextCursor: null });
    await withTenantContext(db, c, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      const first = await listConversations(counted, { persona: 'cfo', limit: 2 });
      await listConversations(counted, { persona: 'cfo', limit: 2, cursor: first.nextCursor });
      expect(statements()).toBe(2);
    });
  });

  it('refuses bad input with INVALID_INPUT before any SQL', async () => {
    const bad: unknown[] = [
      null,
      'cfo',
      [],
      { widgetId: 'not-a-uuid' },
      { widgetId: null },
      { widgetId: 5 },
      { userId: `${otherUser}x` },
      { persona: 'CFO' },
      { persona: 'coo' },
      { persona: null },
      { widgetID: widgetA }, // misspelt: would otherwise list every widget's conversations
      { limit: 0 },
      { limit: 501 },
      { limit: 2.5 },
      { limit: '5' },
      { cursor: 'abc' },
      { cursor: 5 },
      { cursor: 'a.b' },
    ];
    await withTenantContext(db, c, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      for (const options of bad) {
        expect(await codeOf(listConversations(counted, options as never)), JSON.stringify(options)).toBe(
          'INVALID_INPUT',
        );
      }
      expect(statements()).toBe(0);
    });
    await expect(listConversations(tenantOf(db, c), { persona: 'coo' as never })).rejects.toThrow(
      /^listConversations: persona must be one of ceo, cfo, cmo, cto, custom/,
    );
    expect(await codeOf(listConversations(systemOf(db) as never))).toBe('TENANT_CONTEXT_MISSING');
  });
});

describe('listMessages', () => {
  it("pages a conversation's messages oldest first over ties, nothing skipped or repeated", async () => {
    expect(xOrder).toHaveLength(10);
    for (const limit of [1, 2, 3, 6, 7, 9]) {
      const { items, pages } = await everyMessage(c, x, limit);
      expect(
        items.map((m) => m.id),
        `limit ${limit}`,
      ).toEqual(xOrder);
      expect(pages).toBe(Math.ceil(10 / limit));
    }
    const whole = await listMessages(tenantOf(db, c), x);
    expect(whole.nextCursor).toBeNull();
    expect(whole.items.slice(-3).map((m) => m.content)).toEqual(['x micro 001', 'x micro 002', 'x micro 002']);
    expect(Object.keys(whole.items[0] ?? {}).sort()).toEqual(Object.keys(getTableColumns(messages)).sort());
    expect((await everyMessage(c, y, 1)).items.map((m) => m.id)).toEqual(yOrder);
    // The id in capitals is the same conversation, and its cursors are the same list.
    const upper = await listMessages(tenantOf(db, c), x.toUpperCase(), { limit: 4 });
    const rest = await listMessages(tenantOf(db, c), x, { cursor: upper.nextCursor });
    expect([...upper.items, ...rest.items].map((m) => m.id)).toEqual(xOrder);
    // A conversation that does not exist has no messages.
    expect(await listMessages(tenantOf(db, c), b.tenantId)).toEqual({ items: [], nextCursor: null });
    await withTenantContext(db, c, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      const first = await listMessages(counted, x, { limit: 4 });
      await listMessages(counted, x, { limit: 4, cursor: first.nextCursor });
      expect(statements()).toBe(2);
    });
  });

  it('refuses bad input with INVALID_INPUT before any SQL', async () => {
    const bad: [unknown, unknown][] = [
      ['not-a-uuid', {}],
      [undefined, {}],
      [null, {}],
      [x, null],
      [x, { limit: 0 }],
      [x, { limit: 501 }],
      [x, { order: 'desc' }],
      [x, { cursor: 'abc' }],
    ];
    await withTenantContext(db, c, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      for (const [id, options] of bad) {
        expect(await codeOf(listMessages(counted, id as never, options as never)), JSON.stringify([id, options])).toBe(
          'INVALID_INPUT',
        );
      }
      expect(statements()).toBe(0);
    });
    await expect(listMessages(tenantOf(db, c), 'x')).rejects.toThrow(/^listMessages: conversationId must be a UUID/);
    expect(await codeOf(listMessages(systemOf(db) as never, x))).toBe('TENANT_CONTEXT_MISSING');
  });
});

describe('cursors', () => {
  it('a cursor altered, of another list, of another conversation or of another tenant is INVALID_INPUT before any SQL', async () => {
    const tenant = tenantOf(db, c);
    const convos = (await tenant.conversations.list({ limit: 2 })).nextCursor;
    const ofX = (await tenant.conversations.messages(x, { limit: 2 })).nextCursor;
    const ofY = (await tenant.conversations.messages(y, { limit: 1 })).nextCursor;
    await withTenantContext(db, c, (tx) =>
      tx.insert(moduleInsights).values([
        { moduleSlug: 'growth-pulse', summary: 'one' },
        { moduleSlug: 'growth-pulse', summary: 'two' },
      ]),
    );
    const insights = (await listInsights(tenant, { limit: 1 })).nextCursor;
    for (const cursor of [convos, ofX, ofY, insights]) expect(cursor).toEqual(expect.any(String));
    const [payload, mac] = (convos as string).split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as [number, string, string, string];
    // The payload rewritten to start from another position (the micro rows), under the old MAC.
    const moved = `${Buffer.from(JSON.stringify([decoded[0], decoded[1], '2025-01-01T00:00:00.000002Z', decoded[3]])).toString('base64url')}.${mac}`;
    // The MAC's first character changed (its last one carries 2 padding bits a decoder ignores).
    const flipped = `${payload}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;

    const refused: [string, () => Promise<unknown>][] = [
      ['conversations: altered payload', () => listConversations(tenant, { cursor: moved })],
      ['conversations: altered MAC', () => listConversations(tenant, { cursor: flipped })],
      ['conversations: appended', () => listConversations(tenant, { cursor: `${convos}x` })],
      ["conversations: a messages' cursor", () => listConversations(tenant, { cursor: ofX })],
      ["conversations: an insights' cursor", () => listConversations(tenant, { cursor: insights })],
      ["messages: the conversations' cursor", () => listMessages(tenant, x, { cursor: convos })],
      ["messages of Y: X's cursor", () => listMessages(tenant, y, { cursor: ofX })],
      ["messages of X: Y's cursor", () => listMessages(tenant, x, { cursor: ofY })],
      ['insights: a conversations cursor', () => listInsights(tenant, { cursor: convos })],
      ["tenant B: C's conversations cursor", () => listConversations(tenantOf(db, b), { cursor: convos })],
      ["tenant B: C's messages cursor", () => listMessages(tenantOf(db, b), x, { cursor: ofX })],
    ];
    for (const [label, call] of refused) expect(await codeOf(call()), label).toBe('INVALID_INPUT');
    await expect(listMessages(tenant, y, { cursor: ofX })).rejects.toThrow(
      /^listMessages: cursor was altered, or was issued for another list, another tenant or another process/,
    );
    // Nothing was sent for any of them.
    await withTenantContext(db, c, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      expect(await codeOf(listConversations(counted, { cursor: moved }))).toBe('INVALID_INPUT');
      expect(await codeOf(listMessages(counted, y, { cursor: ofX }))).toBe('INVALID_INPUT');
      expect(await codeOf(listConversations(counted, { cursor: ofX }))).toBe('INVALID_INPUT');
      expect(statements()).toBe(0);
    });
    // The genuine cursors still work where they were issued, under any filter.
    expect((await listConversations(tenant, { cursor: convos, limit: 500 })).items).toHaveLength(11);
    expect((await listConversations(tenant, { cursor: convos, persona: 'cfo' })).items.length).toBeGreaterThan(0);
    expect((await listMessages(tenant, x, { cursor: ofX, limit: 500 })).items).toHaveLength(8);
  });
});
