import { deleteInsertedRows } from '../generate.ts';
import { prng } from '../random.ts';
import { costBatch, rawCostInsert } from './cost-batches.ts';
import { at, scenario, statement, THROUGHPUT } from './scenario.ts';
import { client, sampleConversations, tenantClients } from './targets.ts';

const BULK_BATCHES = 16;
const BULK_ROWS = 1000;

export const bulkInsertCost1000 = scenario({
  name: 'bulk-insert-cost-1000',
  description: '1,000 cost events in one INSERT statement (rows removed after the scenario)',
  dataset: 'main',
  target: THROUGHPUT,
  async prepare({ bench, info }) {
    const random = prng(13);
    const tenantIds = (await sampleConversations(bench, BULK_BATCHES)).map((c) => c.tenantId);
    const clients = tenantClients(
      bench,
      tenantIds.map((tenantId) => ({ tenantId })),
    );
    const now = Date.now();
    const batches = tenantIds.map((tenantId) => costBatch(random, tenantId, BULK_ROWS, now));
    const rawSql = rawCostInsert(BULK_ROWS);
    const first = at(batches, 0);
    return {
      targets: batches.length,
      sides: [
        { name: 'raw', op: (i) => bench.raw.query(rawSql, at(batches, i).params) },
        // The same statement and parameters: tenant_id stays explicit (RLS checks every row).
        {
          name: 'tenantdb',
          op: (i) => client(clients, at(batches, i).tenantId).query(rawSql, at(batches, i).params),
        },
        {
          name: 'orm',
          op: (i) => client(clients, at(batches, i).tenantId).tables.costEvents.insert(at(batches, i).rows),
        },
      ],
      explain: {
        tenantId: first.tenantId,
        table: 'cost_events',
        expectScan: false,
        statement: statement(rawSql, first.params),
      },
      cleanup: async () => {
        await deleteInsertedRows(bench, info.anchor);
      },
    };
  },
});
