import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import * as schema from '../schema/index.ts';
import type { Database, Orm, RawSession } from './database.ts';

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
  const orm = drizzle(pool, { schema }) as unknown as Orm;
  let closed = false;
  return {
    kind: 'postgres',
    orm,
    switchRole: options.switchRole,
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
