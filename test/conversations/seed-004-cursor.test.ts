/**
 * Seed 004's session list, and why it must not come back. Its cursor was the id of the row after
 * the page, compared with created_at (`lt(sessions.createdAt, cursor)`): that fails outright (a
 * UUID is no timestamp). Its obvious repairs fail quietly: a created_at cursor without the id
 * (`created_at < $last`, whether a millisecond Date or the exact timestamp) skips the rest of the
 * rows one statement created, and `created_at <= $last` repeats them forever. listConversations
 * (the keyset helper: `(created_at, id) < ($created_at, $id)`, exact to the microsecond) lists
 * the same rows once each. The protection is shown by removing it: each broken variant runs on
 * the same rows as ours.
 */
import { and, desc, eq, getTableColumns, lt, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlStateOf } from '../../src/errors.ts';
import { listConversations } from '../../src/conversations/index.ts';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { conversations } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { ownerContext, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
/** A's conversations in the database's own order: created_at desc, id desc. */
let expected: string[];

const LIMIT = 2;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Seed 004');
  await withTenantContext(db, a, async (tx) => {
    // One older conversation, then five of one statement: one created_at (the transaction's now()).
    await tx.insert(conversations).values({ title: 'older', createdAt: sql`${'2025-01-01T00:00:00Z'}::timestamptz` });
    await tx.insert(conversations).values(Array.from({ length: 5 }, (_, i) => ({ title: `same statement ${i}` })));
    expected = (
      await tx
        .select({ id: conversations.id })
        .from(conversations)
        .orderBy(sql`${conversations.createdAt} desc, ${conversations.id} desc`)
    ).map((r) => r.id);
  });
});
afterAll(async () => {
  await t?.dispose();
});

type Row = typeof conversations.$inferSelect;

/**
 * A hand-written page as seed 004 wrote it: newest first by created_at alone, limit + 1 rows, and
 * `after(row)` the next page's predicate, built from a row of this page.
 */
async function handWrittenPages(after: (last: Row) => SQL, maxPages = 10): Promise<string[]> {
  const ids: string[] = [];
  let cursor: SQL | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const rows = await withTenantContext(db, a, (tx) =>
      tx
        .select(getTableColumns(conversations))
        .from(conversations)
        .where(and(eq(conversations.tenantId, a.tenantId), cursor))
        .orderBy(desc(conversations.createdAt))
        .limit(LIMIT + 1),
    );
    const page = rows.slice(0, LIMIT);
    ids.push(...page.map((r) => r.id));
    const last = page.at(-1);
    if (rows.length <= LIMIT || last === undefined) break;
    cursor = after(last);
  }
  return ids;
}

async function ours(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await listConversations(tenantOf(db, a), { limit: LIMIT, cursor });
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

describe("seed 004's cursor", () => {
  it('ours lists every conversation once, in order, over the rows of one statement', async () => {
    expect(expected).toHaveLength(6);
    expect(await ours()).toEqual(expected);
  });

  it('as the seed wrote it (an id compared with created_at), the second page fails', async () => {
    const first = await listConversations(tenantOf(db, a), { limit: LIMIT });
    // The seed's nextCursor: the id of the row after the page.
    const seedCursor = expected[LIMIT] as string;
    // Through Drizzle, the timestamp column cannot even encode the id …
    await expect(
      withTenantContext(db, a, (tx) =>
        tx
          .select()
          .from(conversations)
          .where(and(eq(conversations.tenantId, a.tenantId), lt(conversations.createdAt, seedCursor as never))),
      ),
    ).rejects.toThrow();
    // … and as SQL, Postgres refuses a UUID as a timestamp: a data exception (class 22), "invalid
    // input syntax" or "date/time field value out of range" depending on the id's digits.
    const refusal = await withTenantContext(db, a, (tx) =>
      tx.execute(
        sql`select id from conversations where tenant_id = ${a.tenantId} and created_at < ${seedCursor} order by created_at desc limit ${LIMIT + 1}`,
      ),
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(sqlStateOf(refusal)).toMatch(/^22/);
    // Ours: an opaque cursor, and the next page.
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.nextCursor).not.toContain(seedCursor);
    const second = await listConversations(tenantOf(db, a), { limit: LIMIT, cursor: first.nextCursor });
    expect(second.items.map((i) => i.id)).toEqual(expected.slice(LIMIT, 2 * LIMIT));
  });

  it('repaired with a created_at cursor alone, it skips the rest of one statement’s rows, or repeats them', async () => {
    // A millisecond Date cursor, `created_at < $last`: after page 1 every other row of the
    // statement is gone (the page after it is the older conversation).
    const dateCursor = await handWrittenPages((last) => lt(conversations.createdAt, last.createdAt));
    expect(dateCursor).toHaveLength(LIMIT + 1);
    expect(dateCursor.at(-1)).toBe(expected.at(-1));
    expect(expected.filter((id) => !dateCursor.includes(id))).toHaveLength(5 - LIMIT);
    // The exact microsecond timestamp instead of the Date does not help: the ties are still skipped.
    const exactOf = (last: Row) =>
      sql`(select c.created_at from conversations c where c.tenant_id = ${a.tenantId} and c.id = ${last.id})`;
    const exact = await handWrittenPages((last) => sql`${conversations.createdAt} < ${exactOf(last)}`);
    expect(exact).toHaveLength(LIMIT + 1);
    expect(expected.filter((id) => !exact.includes(id))).toHaveLength(5 - LIMIT);
    // `<=` keeps the ties, and serves them again and again: never reaching the older one.
    const repeats = await handWrittenPages((last) => sql`${conversations.createdAt} <= ${exactOf(last)}`, 4);
    expect(repeats).toHaveLength(4 * LIMIT);
    expect(new Set(repeats).size).toBeLessThan(repeats.length);
    expect(repeats).not.toContain(expected.at(-1));
    // Ours on the same rows: all six, once each.
    expect(await ours()).toEqual(expected);
  });
});
