/**
 * `createDatabase({ prepare: true })`: a tenant client's statements, and the context's BEGIN,
 * open_context and COMMIT, as server-side prepared statements, parsed once per connection. Still
 * one round trip per operation; a cached plan never carries one tenant's rows, a suspension or a
 * removed membership into the next statement; a failed pipeline leaves the connection usable.
 * PostgreSQL directly only: prepared statements do not survive PgBouncer 1.18 in transaction
 * mode, and Citus runs the unprepared form in CI.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createDatabase,
  createTenantClient,
  setTenantStatus,
  withSystemContext,
  type BuiltinSchema,
  type Database,
  type TenantContext,
} from '../src/index.ts';
import { tenantMembers } from '../src/schema/index.ts';
import { backend, connections, createTestDatabase, processUrls, type TestDatabase } from './helpers/backend.ts';
import { readyForQueryCounter } from './helpers/relay.ts';
import { codeOf, ownerContext, systemOf } from './helpers/tenants.ts';

let t: TestDatabase;
let A: TenantContext & { userId: string };
let B: TenantContext & { userId: string };
const opened: Database<BuiltinSchema>[] = [];

/** A database with `prepare` on, as the backend's connect does it (split: the app login). */
async function preparedDb(max = 1, url?: string): Promise<Database<BuiltinSchema>> {
  const urls = processUrls(t);
  const db = await createDatabase({
    url: url ?? urls.url,
    ...(connections === 'split' && url === undefined ? { systemUrl: urls.systemUrl } : {}),
    max,
    prepare: true,
  });
  opened.push(db);
  return db;
}

describe.runIf(backend === 'postgres')('prepare: true', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    A = await ownerContext(t.db, 'PrepA');
    B = await ownerContext(t.db, 'PrepB');
    await createTenantClient(t.db, A).tables.conversations.insert({ title: 'a' });
    await createTenantClient(t.db, B).tables.conversations.insert({ title: 'b' });
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await t?.dispose();
  });

  it('parses each statement once per connection and still costs one round trip', async () => {
    const relay = await readyForQueryCounter(new URL(t.url as string));
    const db = await createDatabase({ url: relay.url, max: 1, prepare: true });
    opened.push(db);
    await db.rawQuery('select 1');
    relay.take();
    for (let i = 0; i < 3; i++) {
      expect(await createTenantClient(db, A).query('select title from conversations')).toEqual([{ title: 'a' }]);
      expect(relay.take()).toBe(1);
    }
    // single mode: rawQuery runs on the same (one) connection, so it sees what was prepared there.
    const prepared = await db.rawQuery<{ name: string }>('select name from pg_prepared_statements order by name');
    expect(prepared.map((r) => r.name)).toEqual([
      'tenantdb_begin',
      'tenantdb_commit',
      'tenantdb_open_context',
      'tenantdb_s1',
    ]);
    await relay.close();
  });

  it('a cached plan serves each tenant only its own rows, also after the plan turned generic; without the role switch the same statement reads both', async () => {
    const db = await preparedDb(1);
    // More than five executions: PostgreSQL switches a prepared statement to a generic plan.
    for (let i = 0; i < 8; i++) {
      for (const [ctx, title] of [
        [A, 'a'],
        [B, 'b'],
      ] as const) {
        expect(await createTenantClient(db, ctx).query('select title from conversations order by title')).toEqual([
          { title },
        ]);
        expect((await createTenantClient(db, ctx).tables.conversations.findMany()).map((r) => r.title)).toEqual([
          title,
        ]);
      }
    }
    // The attack, with the protection removed: the same prepared statement on a privileged login
    // that skips the role switch (RLS bypassed) sees every tenant's rows.
    const unprotected = await createDatabase({
      url: t.url as string,
      max: 1,
      prepare: true,
      dangerouslySkipRoleSwitch: true,
    });
    opened.push(unprotected);
    const all = await createTenantClient(unprotected, A).query<{ title: string }>(
      'select title from conversations order by title',
    );
    expect(all.map((r) => r.title)).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it('a suspension and a removed membership take effect on the very next prepared statement', async () => {
    const db = await preparedDb(1);
    const C = await ownerContext(t.db, 'PrepC');
    const memberId = await addMember(systemOf(t.db), C.tenantId, { email: `prep-${randomUUID()}@example.test` });
    const member = createTenantClient(db, { tenantId: C.tenantId, userId: memberId });
    const app = createTenantClient(db, { tenantId: C.tenantId });
    for (let i = 0; i < 7; i++) await app.tables.conversations.insert({ title: `c${i}` });
    expect(await member.query('select id from conversations')).toHaveLength(7);
    await setTenantStatus(systemOf(t.db), C.tenantId, 'SUSPENDED');
    expect(await codeOf(app.tables.conversations.insert({ title: 'x' }))).toBe('TENANT_SUSPENDED');
    await setTenantStatus(systemOf(t.db), C.tenantId, 'ACTIVE');
    await withSystemContext(t.db, (tx) => tx.delete(tenantMembers).where(eq(tenantMembers.userId, memberId)));
    expect(await codeOf(member.query('select id from conversations'))).toBe('NOT_A_MEMBER');
    await setTenantStatus(systemOf(t.db), C.tenantId, 'CANCELLED');
    expect(await codeOf(app.query('select id from conversations'))).toBe('TENANT_CANCELLED');
  });

  it('a first pipeline that fails after parsing its statements does not leave them half-known', async () => {
    // A fresh connection: BEGIN, open_context and the statement parse, then the statement fails
    // while running. The server keeps the parsed statements; the client had not recorded them.
    const db = await preparedDb(1);
    const client = createTenantClient(db, A);
    expect(await codeOf(client.query('select 1 / (select count(*) - count(*) from conversations)'))).toBeDefined();
    expect(await client.query('select title from conversations')).toEqual([{ title: 'a' }]);
    expect(await codeOf(client.query('select 1 / (select count(*) - count(*) from conversations)'))).toBeDefined();
    expect(await client.query('select title from conversations')).toEqual([{ title: 'a' }]);
  });

  it('after a failed pipeline (bad SQL, a refused context, a constraint) the connection prepares again and works', async () => {
    const db = await preparedDb(1);
    const client = createTenantClient(db, A);
    expect(await client.query('select title from conversations')).toHaveLength(1);
    // A statement that fails to parse, then one that fails to run, then a context that fails to open.
    expect(await codeOf(client.query('select from nowhere_at_all'))).toBeDefined();
    expect(await codeOf(client.query('select 1 / (select count(*) - count(*) from conversations)'))).toBeDefined();
    expect(
      await codeOf(createTenantClient(db, { tenantId: '00000000-0000-4000-8000-000000000000' }).query('select 1')),
    ).toBe('TENANT_NOT_FOUND');
    for (let i = 0; i < 3; i++) {
      expect(await client.query('select title from conversations')).toEqual([{ title: 'a' }]);
      expect(await client.query('select (1 / (select count(*) from conversations))::int as one')).toEqual([{ one: 1 }]);
    }
  });
});
