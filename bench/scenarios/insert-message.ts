import { deleteInsertedRows } from '../generate.ts';
import { int, prng, sentence } from '../random.ts';
import { at, scenario, SINGLE_STATEMENT, statement } from './scenario.ts';
import { client, LIST_TARGETS, MESSAGE_COLUMNS, sampleConversations, tenantClients } from './targets.ts';

export const insertMessage = scenario({
  name: 'insert-message',
  description: 'insert one message into a conversation (rows removed after the scenario)',
  dataset: 'main',
  target: SINGLE_STATEMENT,
  async prepare({ bench, info }) {
    const random = prng(11);
    const picks = (await sampleConversations(bench, LIST_TARGETS)).map((c, i) => ({
      ...c,
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: sentence(random, int(random, 4, 40)),
    }));
    const clients = tenantClients(bench, picks);
    const rawSql = `INSERT INTO public.messages (tenant_id, conversation_id, role, content) VALUES ($1, $2, $3, $4)
      RETURNING ${MESSAGE_COLUMNS}`;
    // The same statement: tenant_id stays explicit (RLS checks it against the context).
    const tenantSql = rawSql;
    const first = at(picks, 0);
    return {
      targets: picks.length,
      sides: [
        {
          name: 'raw',
          op: (i) => {
            const p = at(picks, i);
            return bench.raw.query(rawSql, [p.tenantId, p.conversationId, p.role, p.content]);
          },
        },
        {
          name: 'tenantdb',
          op: (i) => {
            const p = at(picks, i);
            return client(clients, p.tenantId).query(tenantSql, [p.tenantId, p.conversationId, p.role, p.content]);
          },
        },
        {
          name: 'orm',
          op: (i) => {
            const p = at(picks, i);
            return client(clients, p.tenantId).tables.messages.insert({
              conversationId: p.conversationId,
              role: p.role,
              content: p.content,
            });
          },
        },
      ],
      explain: {
        tenantId: first.tenantId,
        table: 'messages',
        expectScan: false,
        statement: statement(tenantSql, [first.tenantId, first.conversationId, first.role, '…']),
      },
      cleanup: async () => {
        await deleteInsertedRows(bench, info.anchor);
      },
    };
  },
});
