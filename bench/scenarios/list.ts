/**
 * The keyset list (latest 50 messages of a conversation, (created_at desc, id desc), half the
 * targets asking for the page after a cursor), shared by list-latest-50, seed004-list and the
 * scaling scenarios.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { BuiltinSchema, ScopedApi } from '../../src/index.ts';
import type { messages } from '../../src/schema/index.ts';
import type { BenchDatabase } from '../databases.ts';
import { int, prng } from '../random.ts';
import { checkSeed004Role, openSeed004Runner, seed004ListSql } from '../seed004.ts';
import { at, statement, type PreparedScenario, type ScenarioEnv, type Side } from './scenario.ts';
import { client, LIST_TARGETS, MESSAGE_COLUMNS, sampleConversations, tenantClients } from './targets.ts';

export interface ListTarget {
  tenantId: string;
  conversationId: string;
  /** The page after this message (keyset cursor), or the first page. */
  cursor: { at: string; localAt: string; id: string } | undefined;
}

/** The list's statements: raw names the tenant, tenantdb's leaves it to RLS; with and without a cursor. */
export const LIST_SQL = {
  rawFirstPage: `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND conversation_id = $2
    ORDER BY created_at DESC, id DESC LIMIT 50`,
  rawNextPage: `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND conversation_id = $2
    AND (created_at, id) < ($3::timestamptz, $4::uuid) ORDER BY created_at DESC, id DESC LIMIT 50`,
  tenantFirstPage: `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE conversation_id = $1
    ORDER BY created_at DESC, id DESC LIMIT 50`,
  tenantNextPage: `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE conversation_id = $1
    AND (created_at, id) < ($2::timestamptz, $3::uuid) ORDER BY created_at DESC, id DESC LIMIT 50`,
};

/** A target's raw statement (tenant predicate written out) and its tenantdb one, with their parameters. */
export function listStatements({ tenantId, conversationId, cursor }: ListTarget): {
  raw: [string, unknown[]];
  tenant: [string, unknown[]];
} {
  return cursor
    ? {
        raw: [LIST_SQL.rawNextPage, [tenantId, conversationId, cursor.at, cursor.id]],
        tenant: [LIST_SQL.tenantNextPage, [conversationId, cursor.at, cursor.id]],
      }
    : {
        raw: [LIST_SQL.rawFirstPage, [tenantId, conversationId]],
        tenant: [LIST_SQL.tenantFirstPage, [conversationId]],
      };
}

/** The same page through the scoped API (`messages.findMany`). */
export function scopedList(tables: ScopedApi<BuiltinSchema>, { conversationId, cursor }: ListTarget) {
  return tables.messages.findMany({
    where: (m, { and, eq }) => and(eq(m.conversationId, conversationId), keyset(m, cursor)),
    orderBy: (m, { desc }) => [desc(m.createdAt), desc(m.id)],
    limit: 50,
  });
}

export async function prepareList(
  { bench, concurrency }: ScenarioEnv,
  withSeed004: boolean,
): Promise<PreparedScenario> {
  const picks = await listTargets(bench);
  const clients = tenantClients(bench, picks);
  const { tenantFirstPage, tenantNextPage } = LIST_SQL;
  const sides: Side[] = [
    {
      name: 'raw',
      op: (i) => bench.raw.query(...listStatements(at(picks, i)).raw),
    },
    {
      name: 'tenantdb',
      op: (i) => client(clients, at(picks, i).tenantId).query(...listStatements(at(picks, i)).tenant),
    },
    {
      name: 'orm',
      op: (i) => scopedList(client(clients, at(picks, i).tenantId).tables, at(picks, i)),
    },
  ];
  // The EXPLAIN uses a target with a cursor when there is one: the harder of the two shapes.
  const first = picks.find((p) => p.cursor !== undefined) ?? at(picks, 0);
  const prepared: PreparedScenario = {
    targets: picks.length,
    sides,
    explain: {
      tenantId: first.tenantId,
      table: 'messages',
      expectScan: true,
      statement: first.cursor
        ? statement(tenantNextPage, [first.conversationId, first.cursor.at, first.cursor.id])
        : statement(tenantFirstPage, [first.conversationId]),
    },
  };
  if (!withSeed004) return prepared;

  await checkSeed004Role(bench);
  const runner = openSeed004Runner(bench, concurrency);
  const seedParams = (p: ListTarget): unknown[] =>
    p.cursor ? [p.conversationId, p.cursor.localAt, p.cursor.id] : [p.conversationId];
  sides.push({
    name: 'seed004',
    op: (i) => {
      const p = at(picks, i);
      return runner.query(p.tenantId, seed004ListSql(p.cursor !== undefined), seedParams(p));
    },
  });
  return {
    ...prepared,
    seed004Explain: {
      runner,
      tenantId: first.tenantId,
      text: seed004ListSql(first.cursor !== undefined),
      params: seedParams(first),
    },
    close: () => runner.close(),
  };
}

function keyset(
  m: { createdAt: typeof messages.createdAt; id: typeof messages.id },
  cursor: ListTarget['cursor'],
): SQL | undefined {
  return cursor ? sql`(${m.createdAt}, ${m.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : undefined;
}

/** Conversations to list; half of them with a cursor 5 to 44 messages down (the next page). */
export async function listTargets(bench: BenchDatabase): Promise<ListTarget[]> {
  const random = prng(9);
  const conversations = await sampleConversations(bench, LIST_TARGETS);
  const paged = conversations.filter(() => random() < 0.5);
  const offsets = paged.map(() => int(random, 5, 44));
  const cursors = await bench.raw.query<{ i: number; at: string; local_at: string; id: string }>(
    `SELECT p.i, m.created_at::text AS at, to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS local_at, m.id
     FROM unnest($1::uuid[], $2::uuid[], $3::int[]) WITH ORDINALITY AS p(tenant_id, conversation_id, k, i)
     CROSS JOIN LATERAL (
       SELECT created_at, id FROM public.messages
       WHERE tenant_id = p.tenant_id AND conversation_id = p.conversation_id
       ORDER BY created_at DESC, id DESC OFFSET p.k LIMIT 1
     ) m`,
    [paged.map((c) => c.tenantId), paged.map((c) => c.conversationId), offsets],
  );
  const cursorOf = new Map<string, ListTarget['cursor']>();
  for (const row of cursors) {
    const conversation = paged[Number(row.i) - 1];
    if (conversation) cursorOf.set(conversation.conversationId, { at: row.at, localAt: row.local_at, id: row.id });
  }
  return conversations.map((c) => ({ ...c, cursor: cursorOf.get(c.conversationId) }));
}
