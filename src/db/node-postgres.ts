import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../schema/index.ts';
import {
  OPEN_CONTEXT_SQL,
  openContextValues,
  type Database,
  type Orm,
  type RawSession,
  type StatementContext,
} from './database.ts';
import { DeferredBeginClient, queryWithPrefix } from './prefixed-query.ts';
import { statementRouter } from './statement-router.ts';

type DrizzleQueryConfig = pg.QueryConfig & { rowMode?: string; types?: unknown };

/** A PostgreSQL server (directly or through PgBouncer in transaction mode) through a pg pool. */
export function createNodePostgresDatabase(options: {
  url: string;
  max?: number | undefined;
  switchRole: boolean;
}): Database {
  const pool = new pg.Pool({ connectionString: options.url, max: options.max ?? 10 });
  // A backend that dies while idle in the pool (restart, pg_terminate_backend) emits 'error' on
  // the pool; without a listener that would crash the process. The pool replaces the client.
  pool.on('error', () => {});
  // A backend that dies while its client is checked out (pg_terminate_backend, a failover,
  // PgBouncer dropping the server connection mid-transaction) rejects the running query, and then
  // pg emits 'error' on the client; pg-pool listens only while a client is idle, so without this
  // the process dies with an uncaught exception. The pool discards the dead client on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const orm = drizzle(pool, { schema }) as unknown as Orm;
  // drizzle-orm 0.45's pool transaction sends BEGIN before its try/finally: when BEGIN fails (the
  // backend was terminated, or died while idle in the pool) the client is never released, the
  // pool loses that slot for good and pool.end() never resolves. So each transaction runs on a
  // client checked out and always released here, through one drizzle instance per connection.
  // That connection's BEGIN travels with the transaction's first statement (DeferredBeginClient).
  const perClient = new WeakMap<pg.PoolClient, Orm>();
  const transaction: Orm['transaction'] = async (fn, config) => {
    const client = await pool.connect();
    try {
      let clientOrm = perClient.get(client);
      if (clientOrm === undefined) {
        clientOrm = drizzle(new DeferredBeginClient(client) as unknown as pg.PoolClient, { schema }) as unknown as Orm;
        perClient.set(client, clientOrm);
      }
      return await clientOrm.transaction(fn, config);
    } finally {
      client.release();
    }
  };
  orm.transaction = transaction;

  // Single statements: open_context and the statement in one pipeline, one implicit transaction.
  const router = statementRouter<StatementContext>();
  const statementClient = new (class StatementClient {
    async query(config: DrizzleQueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
      const context = router.take();
      const client = await pool.connect();
      let broken = false;
      try {
        return await queryWithPrefix(
          client,
          [{ text: OPEN_CONTEXT_SQL, values: openContextValues(context) }],
          (status) => context.onStatus(status ?? ''),
          config,
          values,
        );
      } catch (error) {
        // A statement error leaves the connection ready (the server rolled back at the Sync); a
        // dead backend or a broken socket does not, so that client is discarded.
        const severity = (error as { severity?: unknown }).severity;
        broken = severity !== 'ERROR';
        throw error;
      } finally {
        client.release(broken);
      }
    }
  })();
  const statementOrm = drizzle(statementClient as unknown as pg.Pool, { schema }) as unknown as Orm;
  let closed = false;
  return {
    kind: 'postgres',
    orm,
    switchRole: options.switchRole,
    runStatement: (context, operation) => router.run(context, () => operation(statementOrm)),
    queryInContext: async <Row>(context: StatementContext, text: string, params?: unknown[]) =>
      (await router.run(context, () => statementClient.query({ text }, params))).rows as Row[],
    rawTransaction: async (fn) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const session: RawSession = {
          query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[],
          exec: async (text: string) => {
            await client.query(text);
          },
          command: async (text: string, params?: unknown[]) => (await client.query(text, params)).rowCount ?? 0,
        };
        const result = await fn(session);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    rawQuery: async <Row>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as Row[],
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
