/**
 * recordCosts (src/billing) writing 1,000 cost events against the superuser's multi-row INSERT of
 * the same rows. Both fire cost_events' triggers (the running period totals and budgets of
 * migration 0017, the conversation total of 0015), so what the target judges is recordCosts'
 * own cost: checking every event, Drizzle building the statement, the context and RLS. The
 * `untriggered` side (information) is the raw INSERT with those triggers disabled: what the
 * database's bookkeeping costs at write time.
 */
import type { RawSession } from '../../src/db/database.ts';
import { recordCosts } from '../../src/billing/index.ts';
import { costEvents } from '../../src/schema/index.ts';
import type { BenchDatabase } from '../databases.ts';
import { deleteInsertedRows } from '../generate.ts';
import { prng } from '../random.ts';
import { costBatch, rawCostInsert } from './cost-batches.ts';
import { at, MODULE_THROUGHPUT, scenario, statement, type Side } from './scenario.ts';
import { client, sampleConversations, tenantClients } from './targets.ts';

const BATCHES = 16;
const ROWS = 1000;

export const recordCosts1000 = scenario({
  name: 'record-costs-1000',
  description:
    'recordCosts() of 1,000 cost events against the raw multi-row INSERT of the same rows, both firing the ' +
    'cost_events triggers (rows removed after the scenario); info: the raw INSERT with the triggers disabled',
  dataset: 'main',
  target: MODULE_THROUGHPUT,
  async prepare({ bench, info, concurrency }) {
    const random = prng(29);
    const tenantIds = (await sampleConversations(bench, BATCHES)).map((c) => c.tenantId);
    const clients = tenantClients(
      bench,
      tenantIds.map((tenantId) => ({ tenantId })),
    );
    const now = Date.now();
    const batches = tenantIds.map((tenantId) => costBatch(random, tenantId, ROWS, now));
    const rawSql = rawCostInsert(ROWS);
    const first = at(batches, 0);
    // EXPLAIN the statement recordCosts sends: its Drizzle insert of the first batch, built (not run).
    const explained = await client(clients, first.tenantId).run(async (tx) => ({
      query: tx
        .insert(costEvents)
        .values(first.rows.map((r) => ({ tenantId: first.tenantId, ...r, conversationId: null, metadata: {} })))
        .returning()
        .toSQL(),
    }));
    const sides: Side[] = [
      { name: 'raw', op: (i) => bench.raw.query(rawSql, at(batches, i).params) },
      { name: 'tenantdb', op: (i) => recordCosts(client(clients, at(batches, i).tenantId), at(batches, i).rows) },
    ];
    // One transaction, so one worker: with more, the side would only queue on its connection.
    if (concurrency === 1) sides.push(untriggered(bench, rawSql, batches));
    return {
      targets: batches.length,
      sides,
      explain: {
        tenantId: first.tenantId,
        table: 'cost_events',
        expectScan: false,
        statement: statement(explained.query.sql, explained.query.params),
      },
      cleanup: async () => {
        await deleteInsertedRows(bench, info.anchor);
      },
    };
  },
});

/**
 * The raw INSERT with cost_events' user triggers off (`DISABLE TRIGGER USER`: the period totals,
 * budgets and conversation total; foreign keys still checked). Each slice runs in one transaction
 * that disables them and is rolled back at the slice's end, so its rows and the change of the
 * triggers are never visible to anyone else, and an interrupted run leaves nothing behind. The
 * other sides commit every statement; with scripts/postgres.sh's server (fsync and
 * synchronous_commit off) a commit costs next to nothing, elsewhere it is part of the difference.
 */
function untriggered(bench: BenchDatabase, rawSql: string, batches: { params: unknown[] }[]): Side {
  let session: RawSession | undefined;
  let release: (() => void) | undefined;
  let done: Promise<void> | undefined;
  const rolledBack = new Error('untriggered slice: rolled back on purpose');
  return {
    name: 'untriggered',
    op: async (i) => {
      if (session === undefined) throw new Error('untriggered: no open transaction');
      return session.query(rawSql, at(batches, i).params);
    },
    slice: {
      begin: async () => {
        let opened!: () => void;
        const ready = new Promise<void>((resolve) => (opened = resolve));
        const gate = new Promise<void>((resolve) => (release = resolve));
        done = bench.db
          .rawTransaction(async (s) => {
            await s.exec('ALTER TABLE public.cost_events DISABLE TRIGGER USER');
            session = s;
            opened();
            await gate;
            throw rolledBack;
          })
          .catch((error: unknown) => {
            if (error !== rolledBack) throw error;
          });
        await Promise.race([ready, done]);
      },
      end: async () => {
        release?.();
        await done;
        session = undefined;
      },
    },
  };
}
