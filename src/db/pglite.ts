import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { drizzle } from 'drizzle-orm/pglite';
import * as schema from '../schema/index.ts';
import { OPEN_CONTEXT_SQL, type Database, type Orm, type RawSession, type StatementContext } from './database.ts';
import { statementRouter } from './statement-router.ts';

type PgliteTransaction = Parameters<Parameters<PGlite['transaction']>[0]>[0];

async function openContext(tx: PgliteTransaction, context: StatementContext): Promise<void> {
  const { rows } = await tx.query<{ status: string }>(OPEN_CONTEXT_SQL, [
    context.tenantId,
    context.userId,
    context.switchRole,
  ]);
  context.onStatus(rows[0]?.status ?? '');
}

/** Embedded PostgreSQL (PGlite, WASM) with pgvector: in memory, or in `dataDir`. */
export async function createPgliteDatabase(options: {
  dataDir?: string | undefined;
  switchRole: boolean;
}): Promise<Database> {
  const client = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    extensions: { vector },
  });
  const orm = drizzle(client, { schema }) as unknown as Orm;
  // Single statements: in-process there are no round trips to save, so open_context and the
  // statement share one PGlite transaction; one Drizzle instance routes to the running one.
  const router = statementRouter<PgliteTransaction>();
  const statementClient = new (class StatementClient {
    query(...args: Parameters<PGlite['query']>) {
      return router.take().query(...args);
    }
  })();
  const statementOrm = drizzle(statementClient as unknown as PGlite, { schema }) as unknown as Orm;
  let closed = false;
  return {
    kind: 'pglite',
    orm,
    switchRole: options.switchRole,
    runStatement: (context, operation) =>
      client.transaction(async (tx) => {
        await openContext(tx, context);
        return router.run(tx, () => operation(statementOrm));
      }),
    queryInContext: <Row>(context: StatementContext, text: string, params?: unknown[]) =>
      client.transaction(async (tx) => {
        await openContext(tx, context);
        return (await tx.query<Row>(text, params)).rows;
      }),
    rawTransaction: (fn) =>
      client.transaction(async (tx) => {
        const session: RawSession = {
          query: async <Row>(text: string, params?: unknown[]) => (await tx.query<Row>(text, params)).rows,
          exec: async (text: string) => {
            await tx.exec(text);
          },
          command: async (text: string, params?: unknown[]) => (await tx.query(text, params)).affectedRows ?? 0,
        };
        return fn(session);
      }),
    rawQuery: async <Row>(text: string, params?: unknown[]) => (await client.query<Row>(text, params)).rows,
    close: async () => {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}
