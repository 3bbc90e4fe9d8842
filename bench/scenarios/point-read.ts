import { at, scenario, SINGLE_STATEMENT, statement } from './scenario.ts';
import { client, MESSAGE_COLUMNS, sampleMessages, tenantClients } from './targets.ts';

const POINT_TARGETS = 5000;

export const pointRead = scenario({
  name: 'point-read',
  description: 'one message by id, of a tenant picked in proportion to its size',
  dataset: 'main',
  target: SINGLE_STATEMENT,
  async prepare({ bench }) {
    const picks = await sampleMessages(bench, POINT_TARGETS);
    const clients = tenantClients(bench, picks);
    const rawSql = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE tenant_id = $1 AND id = $2 LIMIT 1`;
    const tenantSql = `SELECT ${MESSAGE_COLUMNS} FROM public.messages WHERE id = $1 LIMIT 1`;
    const first = at(picks, 0);
    return {
      targets: picks.length,
      sides: [
        { name: 'raw', op: (i) => bench.raw.query(rawSql, [at(picks, i).tenantId, at(picks, i).id]) },
        {
          name: 'tenantdb',
          op: (i) => {
            const { tenantId, id } = at(picks, i);
            return client(clients, tenantId).query(tenantSql, [id]);
          },
        },
        {
          name: 'orm',
          op: (i) => {
            const { tenantId, id } = at(picks, i);
            return client(clients, tenantId).tables.messages.findFirst({ where: (m, { eq }) => eq(m.id, id) });
          },
        },
      ],
      explain: {
        tenantId: first.tenantId,
        table: 'messages',
        expectScan: true,
        statement: statement(tenantSql, [first.id]),
      },
    };
  },
});
