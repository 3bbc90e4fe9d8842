import { PGlite, type QueryOptions } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { drizzle } from 'drizzle-orm/pglite';
import type {
  Database,
  Orm,
  OrmTransaction,
  PipelineContext,
  RawSession,
  Schema,
  StatementContext,
} from './database.ts';
import { checkChannel, OPEN_SYSTEM_CONTEXT_SQL } from './database.ts';
import { queryInOpenTransaction, queryInPipeline } from './pglite-pipeline.ts';
import { statementRouter } from './statement-router.ts';

/**
 * Embedded PostgreSQL (PGlite, WASM) with pgvector: in memory, or in `dataDir`. One connection
 * (`single` mode): tenant transactions switch to tenantdb_app, system work runs on it too.
 */
export async function createPgliteDatabase<TSchema extends Schema>(options: {
  dataDir?: string | undefined;
  switchRole: boolean;
  schema: TSchema;
}): Promise<Database<TSchema>> {
  const { schema } = options;
  const client = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    extensions: { vector },
  });
  const orm = drizzle(client, { schema }) as unknown as Orm<TSchema>;
  const transaction = <T>(fn: (tx: OrmTransaction<TSchema>) => Promise<T>): Promise<T> => orm.transaction(fn);
  // Single statements: open_context and the statement in one pipeline (queryInPipeline); one
  // Drizzle instance routes each statement to the context of the operation running it.
  const router = statementRouter<StatementContext>();
  const statementClient = new (class StatementClient {
    query(text: string, params?: unknown[], queryOptions?: QueryOptions) {
      return queryInPipeline(client, router.take(), text, params, queryOptions);
    }
  })();
  const statementOrm = drizzle(statementClient as unknown as PGlite, { schema }) as unknown as Orm<TSchema>;
  let closed = false;
  return {
    kind: 'pglite',
    connections: 'single',
    schema,
    switchRole: options.switchRole,
    dangerouslyPrivilegedOrm: orm,
    tenantTransaction: transaction,
    runStatement: (context, operation) => router.run(context, () => operation(statementOrm)),
    queryInContext: async <Row>(context: StatementContext, text: string, params?: unknown[]) =>
      (await queryInPipeline<Row>(client, context, text, params)).rows,
    // In process, a transaction costs no round trip: the system context, then the statement.
    systemQuery: <Row>(reason: string, text: string, params?: unknown[]) =>
      client.transaction(async (tx) => {
        await tx.query(OPEN_SYSTEM_CONTEXT_SQL, [reason]);
        return (await tx.query<Row>(text, params)).rows;
      }),
    systemTransaction: transaction,
    rawTransaction: (fn) =>
      client.transaction(async (tx) => {
        const session: RawSession = {
          query: async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
          exec: async (text: string) => {
            await tx.exec(text);
          },
          command: async (text: string, params?: unknown[]) => (await tx.query(text, params)).affectedRows ?? 0,
          pipelineInContext: async <Row>(context: PipelineContext, text: string, params?: unknown[]) => {
            const result = await queryInOpenTransaction<Row>(client, context, text, params);
            return { rows: result.rows, affected: result.affectedRows ?? 0 };
          },
        };
        return fn(session);
      }),
    rawQuery: async <Row>(text: string, params?: unknown[]) => (await client.query<Row>(text, params)).rows,
    listen: async (channel: string, onPayload: (payload: string) => void) => {
      const unsubscribe = await client.listen(checkChannel(channel), onPayload);
      return async () => unsubscribe();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
