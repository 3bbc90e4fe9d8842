/**
 * Bad input through the public API: malformed ids, unknown tenants, invalid enum values, NUL
 * bytes, lone surrogates, oversize payloads, out-of-range numbers and dates. Each is a typed error
 * with a stable `code`, and nothing is written (row counts, read in the system context, are the
 * same before and after). Where the scoped API refuses a value before any SQL, the suite also
 * shows that the database refuses it on its own (raw Drizzle on `tx`): the layers agree.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTenantClient,
  provisionTenant,
  translateDatabaseError,
  withSystemContext,
  withTenantContext,
  type BuiltinSchema,
  type OrmTransaction,
  type TenantContext,
  type TenantScope,
} from '../src/index.ts';
import {
  analyticsSnapshots,
  conversations,
  costEvents,
  meetings,
  messages,
  usageSnapshots,
} from '../src/schema/index.ts';
import { MAX_VALUE_BYTES, validateValues } from '../src/tenancy/validate-values.ts';
import { backend, createTestDatabase, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { systemOf } from './helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let tenantId: string;
let userId: string;
let conversationId: string;

const watched: [string, PgTable & { id: PgColumn }][] = [
  ['conversations', conversations],
  ['messages', messages],
  ['cost_events', costEvents],
  ['analytics_snapshots', analyticsSnapshots],
  ['usage_snapshots', usageSnapshots],
  ['meetings', meetings],
];

/** Row counts of the watched tables, all tenants, read in the system context (ground truth). */
const counts = () =>
  withSystemContext(db, async (tx) => {
    const result: Record<string, number> = {};
    for (const [name, table] of watched) result[name] = (await tx.select({ id: table.id }).from(table)).length;
    return result;
  });

const inTenant = <T>(fn: (tx: OrmTransaction<BuiltinSchema>, scoped: TenantScope<BuiltinSchema>) => Promise<T>) =>
  withTenantContext(db, { tenantId, userId }, fn);

let cases = 0;

/**
 * Runs `attempt`, which must fail with a typed error of `code` (and, when given, the SQLSTATE the
 * database raised: `null` for refused before any SQL), and writes nothing. Returns the error.
 */
async function refused(
  attempt: () => Promise<unknown>,
  code: string,
  options: { sqlState?: string | null; message?: RegExp } = {},
): Promise<Error & { code?: string; sqlState?: string }> {
  const before = await counts();
  let error: unknown;
  try {
    await attempt();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}, but it succeeded`).toBeDefined();
  const typed = error as Error & { code?: string; sqlState?: string };
  expect(typed.name, String(typed.message)).toMatch(/Error$/);
  expect(typed.code, String(typed.message)).toBe(code);
  if (options.sqlState !== undefined) expect(typed.sqlState ?? null, typed.message).toBe(options.sqlState);
  if (options.message) expect(typed.message).toMatch(options.message);
  expect(await counts()).toEqual(before);
  cases++;
  return typed;
}

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  const stamp = randomUUID().slice(0, 8);
  const { tenant, ownerId } = await provisionTenant(systemOf(db), {
    name: 'Bad Input',
    slug: `bad-input-${stamp}`,
    owner: { email: `bad-input-${stamp}@example.test` },
  });
  tenantId = tenant.id;
  userId = ownerId as string;
  conversationId = (
    await inTenant((_tx, scoped) => scoped.tables.conversations.insert({ title: 'kept', persona: 'cfo' }))
  ).id;
});

afterAll(async () => {
  console.log(`bad input [${backend}]: ${cases} cases, 0 written`);
  await t?.dispose();
});

describe('ids and tenants', () => {
  const write = (context: TenantContext) => () =>
    withTenantContext(db, context, (tx) => tx.insert(conversations).values({ tenantId, title: 'x' }));
  const clientWrite = (context: TenantContext) => async () =>
    createTenantClient(db, context).tables.conversations.insert({ title: 'x' });

  it('malformed tenant ids are INVALID_TENANT_ID (withTenantContext and createTenantClient)', async () => {
    const malformed = [
      '',
      'abc',
      `${randomUUID()}x`,
      ` ${randomUUID()}`,
      `'; drop table conversations; --`,
      `00000000-0000-0000-0000-000000000000' or '1'='1`,
      `${randomUUID()}\u0000`,
      `\u0000`,
      42 as unknown as string,
      {} as unknown as string,
    ];
    for (const bad of malformed) {
      await refused(write({ tenantId: bad }), 'INVALID_TENANT_ID', { sqlState: null });
      await refused(clientWrite({ tenantId: bad }), 'INVALID_TENANT_ID', { sqlState: null });
    }
  });

  it('malformed user ids are INVALID_USER_ID', async () => {
    for (const bad of ['bob', `' or 1=1 --`, `${randomUUID()}\u0000`, `${userId};select 1`]) {
      await refused(write({ tenantId, userId: bad }), 'INVALID_USER_ID', { sqlState: null });
      await refused(clientWrite({ tenantId, userId: bad }), 'INVALID_USER_ID', { sqlState: null });
    }
  });

  it('an unknown tenant is TENANT_NOT_FOUND', async () => {
    await refused(write({ tenantId: randomUUID() }), 'TENANT_NOT_FOUND', { sqlState: 'TD002' });
    await refused(clientWrite({ tenantId: randomUUID() }), 'TENANT_NOT_FOUND', { sqlState: 'TD002' });
  });
});

describe('invalid enum values and malformed column values', () => {
  it('an invalid enum value is INVALID_INPUT (22P02) through the scoped API, a tenant client and raw Drizzle', async () => {
    const persona = 'cfoo' as 'cfo';
    const enumMessage = /invalid input value for enum persona: "cfoo"/;
    await refused(
      () => inTenant((_tx, scoped) => scoped.tables.conversations.insert({ title: 'x', persona })),
      'INVALID_INPUT',
      {
        sqlState: '22P02',
        message: enumMessage,
      },
    );
    await refused(
      () => createTenantClient(db, { tenantId, userId }).tables.conversations.insert({ title: 'x', persona }),
      'INVALID_INPUT',
      { sqlState: '22P02', message: enumMessage },
    );
    await refused(() => inTenant((tx) => tx.insert(conversations).values({ tenantId, persona })), 'INVALID_INPUT', {
      sqlState: '22P02',
      message: enumMessage,
    });
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.conversations.update({ persona }, eq(conversations.id, conversationId)),
        ),
      'INVALID_INPUT',
      { sqlState: '22P02' },
    );
    await refused(
      () => inTenant((tx) => tx.execute(sql`update conversations set persona = ${'cfoo'}`)),
      'INVALID_INPUT',
      { sqlState: '22P02' },
    );
    const kept = await inTenant((_tx, scoped) => scoped.tables.conversations.findFirst());
    expect(kept?.persona).toBe('cfo');
  });

  it('a malformed uuid in a column is INVALID_INPUT (22P02)', async () => {
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.messages.insert({ conversationId: 'not-a-uuid', role: 'user', content: 'hello' }),
        ),
      'INVALID_INPUT',
      { sqlState: '22P02' },
    );
  });
});

describe('NUL bytes', () => {
  it('a NUL in a text column is refused before any SQL, naming table and column', async () => {
    const error = await refused(
      () => inTenant((_tx, scoped) => scoped.tables.conversations.insert({ title: 'before\u0000after' })),
      'INVALID_INPUT',
      { sqlState: null, message: /conversations\.title contains a NUL character/ },
    );
    expect(error.message).toMatch(/Nothing was written/);
    await refused(
      () =>
        createTenantClient(db, { tenantId, userId }).tables.messages.insert({
          conversationId,
          role: 'user',
          content: '\u0000',
        }),
      'INVALID_INPUT',
      { sqlState: null, message: /messages\.content/ },
    );
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.conversations.update({ title: 'x\u0000' }, eq(conversations.id, conversationId)),
        ),
      'INVALID_INPUT',
      { sqlState: null },
    );
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.conversations.upsert({ id: conversationId, title: 'ok' }, { set: { title: '\u0000' } }),
        ),
      'INVALID_INPUT',
      { sqlState: null },
    );
  });

  it('the layers agree: without validation (raw Drizzle) the database refuses a NUL in text (22021)', async () => {
    await refused(
      () => inTenant((tx) => tx.insert(conversations).values({ tenantId, title: 'before\u0000after' })),
      'INVALID_INPUT',
      { sqlState: '22021', message: /0x00/ },
    );
    await refused(
      () => inTenant((tx) => tx.execute(sql`update conversations set title = ${'nul\u0000'}`)),
      'INVALID_INPUT',
      { sqlState: '22021' },
    );
  });

  it('a NUL inside a JSON value or key is refused, with its path; the database refuses it too (22P05)', async () => {
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.conversations.insert({ title: 'json', metadata: { a: { b: ['fine', 'bad\u0000'] } } }),
        ),
      'INVALID_INPUT',
      { sqlState: null, message: /conversations\.metadata\.a\.b\[1\] contains a NUL/ },
    );
    await refused(
      () =>
        inTenant((_tx, scoped) => scoped.tables.conversations.insert({ title: 'json', metadata: { 'k\u0000': 1 } })),
      'INVALID_INPUT',
      { sqlState: null, message: /JSON key/ },
    );
    await refused(
      () => inTenant((tx) => tx.insert(conversations).values({ tenantId, metadata: { a: 'bad\u0000' } })),
      'INVALID_INPUT',
      { sqlState: '22P05' },
    );
  });

  it('one bad row in a batch insert writes none of the batch', async () => {
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.conversations.insert([{ title: 'good' }, { title: 'bad\u0000' }, { title: 'good too' }]),
        ),
      'INVALID_INPUT',
      { sqlState: null },
    );
  });

  it('a refusal before any SQL leaves the transaction usable (a database error would abort it)', async () => {
    class Rollback extends Error {
      constructor(readonly titles: (string | null)[]) {
        super('rollback');
      }
    }
    const before = await counts();
    const titles = await inTenant(async (tx, scoped) => {
      const code = await scoped.tables.conversations
        .insert({ title: '\u0000' })
        .catch((e: { code?: string }) => e.code);
      expect(code).toBe('INVALID_INPUT');
      await scoped.tables.conversations.insert({ title: 'after the refusal' });
      const rows = await tx.select({ title: conversations.title }).from(conversations);
      throw new Rollback(rows.map((r) => r.title)); // so the suite still writes nothing
    }).catch((e: unknown) => (e instanceof Rollback ? e.titles : Promise.reject(e)));
    expect(titles).toContain('after the refusal');
    expect(await counts()).toEqual(before);
  });
});

describe('lone surrogates', () => {
  const lone = ['\uD83D', 'end \uDE00', 'a\uDC00b', '\uD83D\uD83D\uDE00'];

  it('a lone surrogate in a text or JSON value is INVALID_INPUT before any SQL', async () => {
    for (const title of lone) {
      await refused(() => inTenant((_tx, scoped) => scoped.tables.conversations.insert({ title })), 'INVALID_INPUT', {
        sqlState: null,
        message: /conversations\.title contains a lone UTF-16 surrogate/,
      });
    }
    await refused(
      () =>
        inTenant((_tx, scoped) => scoped.tables.conversations.insert({ title: 'ok', metadata: { note: ['\uDE00'] } })),
      'INVALID_INPUT',
      { sqlState: null, message: /conversations\.metadata\.note\[0\]/ },
    );
    // A well-formed pair is fine.
    expect(validateValues('conversations', { title: 'smile \uD83D\uDE00', metadata: { e: '\uD83D\uDE00' } })).toBe(
      undefined,
    );
  });

  it('without validation: inside JSON the database refuses it (22P02); in a text column it is silently replaced by U+FFFD', async () => {
    await refused(
      () => inTenant((tx) => tx.insert(conversations).values({ tenantId, metadata: { note: 'x\uDE00' } })),
      'INVALID_INPUT',
      { sqlState: '22P02' },
    );
    // The data loss the validation prevents (rolled back, so nothing is written).
    class Rollback extends Error {
      constructor(readonly stored: string | null) {
        super('rollback');
      }
    }
    const before = await counts();
    const stored = await inTenant(async (tx) => {
      const [row] = await tx.insert(conversations).values({ tenantId, title: 'x\uDE00y' }).returning();
      throw new Rollback(row?.title ?? null);
    }).catch((e: unknown) => (e instanceof Rollback ? e.stored : Promise.reject(e)));
    expect(stored).toBe('x\uFFFDy');
    expect(await counts()).toEqual(before);
  });
});

describe('oversize values', () => {
  const limit = new RegExp(`limit for one value is ${MAX_VALUE_BYTES} bytes \\(MAX_VALUE_BYTES = 1 MiB\\)`);

  it('a message content over MAX_VALUE_BYTES is INVALID_INPUT naming the limit', async () => {
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.messages.insert({ conversationId, role: 'user', content: 'x'.repeat(MAX_VALUE_BYTES + 1) }),
        ),
      'INVALID_INPUT',
      { sqlState: null, message: limit },
    );
    // Measured in UTF-8 bytes: under the limit in characters, over it in bytes.
    const accented = 'é'.repeat(MAX_VALUE_BYTES / 2 + 1);
    expect(accented.length).toBeLessThan(MAX_VALUE_BYTES);
    await refused(
      () =>
        createTenantClient(db, { tenantId, userId }).tables.messages.insert({
          conversationId,
          role: 'user',
          content: accented,
        }),
      'INVALID_INPUT',
      { sqlState: null, message: /messages\.content is 1048578 bytes \(UTF-8\)/ },
    );
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.messages.update(
            { content: 'y'.repeat(MAX_VALUE_BYTES * 2) },
            eq(messages.conversationId, conversationId),
          ),
        ),
      'INVALID_INPUT',
      { sqlState: null, message: limit },
    );
  });

  it('a JSON value over MAX_VALUE_BYTES (as JSON text) is INVALID_INPUT', async () => {
    const attachments = Array.from({ length: 20_000 }, (_, i) => ({
      type: 'file' as const,
      url: `https://files.example.test/${i}/${'p'.repeat(40)}`,
      name: `attachment-${i}.pdf`,
    }));
    expect(JSON.stringify(attachments).length).toBeGreaterThan(MAX_VALUE_BYTES);
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.messages.insert({ conversationId, role: 'user', content: 'hi', attachments }),
        ),
      'INVALID_INPUT',
      { sqlState: null, message: /messages\.attachments is .*bytes as JSON/ },
    );
    // Escapes count: 200k control characters are 200k code units but 1.2 MB of JSON text.
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.conversations.insert({ title: 'x', metadata: { raw: '\u0001'.repeat(200_000) } }),
        ),
      'INVALID_INPUT',
      { sqlState: null, message: /conversations\.metadata is 1200\d+ bytes as JSON/ },
    );
  });

  it('a value just under the limit passes validation', () => {
    expect(validateValues('messages', { content: 'x'.repeat(MAX_VALUE_BYTES) })).toBe(undefined);
  });

  it('an indexed value too large for an index row is INVALID_INPUT (54000) from the database', async () => {
    const roomName = randomBytes(6000).toString('base64'); // incompressible, > btree's ~2.7 kB
    await refused(
      () => inTenant((_tx, scoped) => scoped.tables.meetings.insert({ roomName, livekitRoomId: 'lk-1' })),
      'INVALID_INPUT',
      { sqlState: '54000' },
    );
  });
});

describe('numbers and dates', () => {
  it('a numeric out of range is INVALID_INPUT (22003)', async () => {
    await refused(
      () => inTenant((_tx, scoped) => scoped.tables.costEvents.insert({ service: 'llm', costUsd: '1e20' })),
      'INVALID_INPUT',
      { sqlState: '22003', message: /numeric field overflow/ },
    );
    await refused(
      () =>
        inTenant((tx) => tx.insert(costEvents).values({ tenantId, service: 'llm', costUsd: '1', tokensUsed: 2 ** 31 })),
      'INVALID_INPUT',
      { sqlState: '22003' },
    );
    await refused(
      () => inTenant((_tx, scoped) => scoped.tables.costEvents.insert({ service: 'llm', costUsd: 'lots' })),
      'INVALID_INPUT',
      { sqlState: '22P02' },
    );
  });

  it('an invalid date string is INVALID_INPUT (22007 / 22008)', async () => {
    await refused(
      () => inTenant((_tx, scoped) => scoped.tables.analyticsSnapshots.insert({ date: 'not-a-date' })),
      'INVALID_INPUT',
      { sqlState: '22007' },
    );
    await refused(
      () => inTenant((_tx, scoped) => scoped.tables.usageSnapshots.upsert({ date: '2024-02-30' })),
      'INVALID_INPUT',
      { sqlState: '22008' },
    );
    await refused(
      () => inTenant((tx) => tx.insert(usageSnapshots).values({ tenantId, date: '2024-13-01' })),
      'INVALID_INPUT',
    );
  });

  it('an invalid Date object is INVALID_INPUT before any SQL (Drizzle would throw an untyped RangeError)', async () => {
    await refused(
      () =>
        inTenant((_tx, scoped) =>
          scoped.tables.costEvents.insert({ service: 'llm', costUsd: '1', occurredAt: new Date('garbage') }),
        ),
      'INVALID_INPUT',
      { sqlState: null, message: /cost_events\.occurredAt is an invalid Date/ },
    );
  });
});

describe('translateDatabaseError: bad-input SQLSTATEs', () => {
  const driverError = (code: string, message: string) => Object.assign(new Error(message), { code });
  it.each([
    ['22P02', 'invalid input value for enum persona: "cfoo"'],
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
    ['22001', 'value too long for type character varying(2)'],
    ['22003', 'numeric field overflow'],
    ['22007', 'invalid input syntax for type date: "x"'],
    ['22008', 'date/time field value out of range: "2024-02-30"'],
    ['23514', 'new row for relation "t" violates check constraint "t_x_check"'],
    ['22P05', 'unsupported Unicode escape sequence'],
    ['54000', 'index row size 6000 exceeds btree version 4 maximum 2704'],
  ])('%s is INVALID_INPUT, keeping sqlState, cause and the driver message', (code, message) => {
    const raw = driverError(code, message);
    // Drizzle wraps the driver error.
    const wrapped = Object.assign(new Error('Failed query: …'), { cause: raw });
    const translated = translateDatabaseError(wrapped) as Error & { code?: string; sqlState?: string };
    expect(translated.code).toBe('INVALID_INPUT');
    expect(translated.sqlState).toBe(code);
    expect(translated.cause).toBe(wrapped);
    expect(translated.message.startsWith(message)).toBe(true);
  });

  it('a unique violation is ALREADY_EXISTS naming its constraint; other SQLSTATEs are unchanged', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505', constraint: 't_name_key' });
    const wrapped = Object.assign(new Error('Failed query: …'), { cause: unique });
    const translated = translateDatabaseError(wrapped) as Error & {
      code?: string;
      sqlState?: string;
      constraint?: string;
    };
    expect(translated.code).toBe('ALREADY_EXISTS');
    expect(translated.sqlState).toBe('23505');
    expect(translated.constraint).toBe('t_name_key');
    expect(translated.cause).toBe(wrapped);
    const serialization = Object.assign(new Error('could not serialize access'), { code: '40001' });
    expect(translateDatabaseError(serialization)).toBe(serialization);
    const fk = translateDatabaseError(Object.assign(new Error('fk'), { code: '23503' })) as { code?: string };
    expect(fk.code).toBe('CROSS_TENANT_REFERENCE');
  });

  it('a check violation and a too-long string raised in the database are INVALID_INPUT', async () => {
    await refused(
      () =>
        inTenant((tx) =>
          tx.execute(
            sql`do $$ begin raise exception 'new row violates check constraint "x_check"' using errcode = 'check_violation'; end $$`,
          ),
        ),
      'INVALID_INPUT',
      { sqlState: '23514' },
    );
    // A real 22001: assigning a too-long string to a varchar(2) variable.
    await refused(
      () => inTenant((tx) => tx.execute(sql`do $$ declare v varchar(2); begin v := 'abc'; end $$`)),
      'INVALID_INPUT',
      { sqlState: '22001', message: /value too long/ },
    );
  });
});
