import { deleteInsertedRows, SERVICE } from '../generate.ts';
import { int, prng } from '../random.ts';
import { at, scenario, statement, THROUGHPUT } from './scenario.ts';
import { client, sampleConversations, tenantClients } from './targets.ts';

const COST_COLUMNS =
  'tenant_id, id, conversation_id, service, provider, tokens_used, cost_usd, metadata, occurred_at, created_at, updated_at';
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
    const batches = tenantIds.map((tenantId) => {
      const rows = Array.from({ length: BULK_ROWS }, () => {
        const s = SERVICE(random);
        const tokens = s === 'llm' || s === 'embedding' ? int(random, 20, 4000) : null;
        return {
          service: s,
          provider: 'bench',
          tokensUsed: tokens,
          costUsd: (0.0005 + random() * 0.2).toFixed(6),
          occurredAt: new Date(now - int(random, 0, 3_600_000)),
        };
      });
      const params: unknown[] = [tenantId];
      for (const row of rows) {
        params.push(row.service, row.provider, row.tokensUsed, row.costUsd, row.occurredAt.toISOString());
      }
      return { tenantId, rows, params };
    });
    const values = Array.from({ length: BULK_ROWS }, (_, r) => {
      const p = 2 + r * 5;
      return `($1, $${p}::cost_service, $${p + 1}, $${p + 2}::int, $${p + 3}::numeric, $${p + 4}::timestamptz)`;
    });
    const rawSql = `INSERT INTO public.cost_events (tenant_id, service, provider, tokens_used, cost_usd, occurred_at)
      VALUES ${values.join(', ')} RETURNING ${COST_COLUMNS}`;
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
