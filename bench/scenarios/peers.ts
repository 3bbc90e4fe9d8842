/**
 * What a peer sends for one tenant statement, reproduced statement for statement (the requests
 * scenario runs them beside tenantdb, on the same data, with the same statement):
 *
 * - **drizzle recipe**: the RLS recipe Drizzle documents (`db.transaction` that runs
 *   `select set_config(…, true)` and `set local role`, then the query): BEGIN, set_config,
 *   SET LOCAL ROLE, the statement, COMMIT, one round trip each, through drizzle-orm on a pool of
 *   the privileged URL (the role switch needs one).
 * - **prisma sequence**: what Prisma's RLS client extension sends (a batch `$transaction` of
 *   `set_config` and the query): BEGIN, set_config, the statement, COMMIT, one round trip each,
 *   on the application login (tenantdb_app). Its query engine is not part of it: a lower bound.
 * - **floor**: `set_config` and the statement hand-pipelined in one round trip (one implicit
 *   transaction) on the application login: no authorization, no block. What RLS itself costs.
 *
 * None of them checks anything: no tenant status, no membership. On PGlite (one in-process
 * connection) each is the same sequence of calls in one raw transaction; the floor is then the
 * prisma sequence without its block, so only the drizzle recipe runs there.
 */
import { sql, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { queryWithPrefix } from '../../src/db/prefixed-query.ts';
import type { BenchDatabase } from '../databases.ts';

/** A tenant statement: its text and parameters (no tenant predicate: RLS supplies it). */
export type TenantStatement = [text: string, params: unknown[]];

export interface Peers {
  drizzleRecipe(tenantId: string, statement: TenantStatement): Promise<unknown>;
  prismaSequence?: (tenantId: string, statement: TenantStatement) => Promise<unknown>;
  floor?: (tenantId: string, statement: TenantStatement) => Promise<unknown>;
  close(): Promise<void>;
}

const SET_TENANT = "select set_config('app.current_tenant_id', $1, true)";

function pool(url: string, max: number): pg.Pool {
  const created = new pg.Pool({ connectionString: url, max });
  created.on('error', () => {});
  return created;
}

/** The peers on a server: `url` is the privileged (superuser) URL, `appUrl` logs in as tenantdb_app. */
export function serverPeers(url: string, appUrl: string, max: number): Peers {
  const privileged = pool(url, max);
  const app = pool(appUrl, max);
  const orm = drizzle(privileged);
  return {
    drizzleRecipe: (tenantId, [text, params]) =>
      orm.transaction(async (tx) => {
        await tx.execute(sql`select set_config('app.current_tenant_id', ${tenantId}, true)`);
        await tx.execute(sql`set local role tenantdb_app`);
        return tx.execute(rawSql(text, params));
      }),
    prismaSequence: async (tenantId, [text, params]) => {
      const client = await app.connect();
      try {
        await client.query('BEGIN');
        await client.query(SET_TENANT, [tenantId]);
        const result = await client.query(text, params);
        await client.query('COMMIT');
        return result.rows;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    floor: async (tenantId, [text, params]) => {
      const client = await app.connect();
      try {
        return (await queryWithPrefix(client, [{ text: SET_TENANT, values: [tenantId] }], () => {}, { text }, params))
          .rows;
      } finally {
        client.release();
      }
    },
    close: async () => {
      await Promise.all([privileged.end(), app.end()]);
    },
  };
}

/** The drizzle recipe's sequence on PGlite: one call per statement, in one raw transaction. */
export function pglitePeers(bench: BenchDatabase): Peers {
  return {
    drizzleRecipe: (tenantId, [text, params]) =>
      bench.db.rawTransaction(async (session) => {
        await session.query(SET_TENANT, [tenantId]);
        await session.exec('set local role tenantdb_app');
        return session.query(text, params);
      }),
    close: async () => {},
  };
}

/** SQL text with `$n` placeholders as a Drizzle `sql` chunk with the same values bound. */
function rawSql(text: string, params: unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = [sql.raw(parts[0] ?? '')];
  for (let i = 1; i < parts.length; i += 2) {
    chunks.push(sql`${params[Number(parts[i]) - 1]}`, sql.raw(parts[i + 1] ?? ''));
  }
  return sql.join(chunks);
}
