import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { ConfigError } from '../errors.ts';
import {
  checkChannel,
  OPEN_CONTEXT_SQL,
  OPEN_SYSTEM_CONTEXT_SQL,
  openContextValues,
  type Database,
  type Orm,
  type OrmTransaction,
  type PipelineContext,
  type RawSession,
  type Schema,
  type StatementContext,
} from './database.ts';
import { DeferredBeginClient, forgetNamedStatements, queryWithPrefix, type PrefixStatement } from './prefixed-query.ts';
import { statementRouter } from './statement-router.ts';

type DrizzleQueryConfig = pg.QueryConfig & { rowMode?: string; types?: unknown };

// The explicit transaction block around a single statement and its context (see PrefixedQuery).
const BEGIN = { text: 'BEGIN', values: [] };
const COMMIT = { text: 'COMMIT', values: [] };
// The same, as statements prepared once per connection (the `prepare` option).
const NAMED_BEGIN = { ...BEGIN, name: 'tenantdb_begin' };
const NAMED_COMMIT = { ...COMMIT, name: 'tenantdb_commit' };
const OPEN_CONTEXT_NAME = 'tenantdb_open_context';
/** Distinct statement texts given a name with `prepare`; past it, statements stay unnamed. */
const MAX_NAMED_STATEMENTS = 500;

/**
 * Names for statement texts (`prepare`): the same text always gets the same name, so a
 * connection parses it once. At most MAX_NAMED_STATEMENTS texts, so a connection's prepared
 * statements stay bounded; others stay unnamed.
 */
function statementNames(): (text: string) => string | undefined {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
      name = `tenantdb_s${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
}

function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
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
  return pool;
}

/**
 * Drizzle transactions on `pool`. drizzle-orm 0.45's pool transaction sends BEGIN before its
 * try/finally: when BEGIN fails (the backend was terminated, or died while idle in the pool) the
 * client is never released, the pool loses that slot for good and pool.end() never resolves. So
 * each transaction runs on a client checked out and always released here, through one drizzle
 * instance per connection, whose BEGIN travels with the first statement (DeferredBeginClient).
 */
function transactionsOn<TSchema extends Schema>(pool: pg.Pool, schema: TSchema) {
  const perClient = new WeakMap<pg.PoolClient, Orm<TSchema>>();
  return async <T>(fn: (tx: OrmTransaction<TSchema>) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      let clientOrm = perClient.get(client);
      if (clientOrm === undefined) {
        clientOrm = drizzle(new DeferredBeginClient(client) as unknown as pg.PoolClient, {
          schema,
        }) as unknown as Orm<TSchema>;
        perClient.set(client, clientOrm);
      }
      return await clientOrm.transaction(fn);
    } finally {
      client.release();
    }
  };
}

/**
 * `BEGIN`, the context-opening statement, the query and `COMMIT` in one pipeline on a client of
 * `pool`. A statement error leaves the connection in the failed transaction block the pipeline
 * opened (the server skipped the COMMIT): it is rolled back. A dead backend or a broken socket
 * cannot be rolled back, so that client is discarded.
 */
async function inBlock(
  pool: pg.Pool,
  open: PrefixStatement,
  onOpenValue: (value: string | null) => void,
  config: DrizzleQueryConfig,
  values: unknown[] | undefined,
): Promise<pg.QueryResult> {
  const client = await pool.connect();
  const named = open.name !== undefined;
  let broken = false;
  try {
    return await queryWithPrefix(client, [named ? NAMED_BEGIN : BEGIN, open], onOpenValue, config, values, [
      named ? NAMED_COMMIT : COMMIT,
    ]);
  } catch (error) {
    broken = (error as { severity?: unknown }).severity !== 'ERROR';
    if (!broken) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
    }
    // Which of the pipeline's named statements the server parsed before the error is not known:
    // drop them all, so the next use parses again.
    if (!broken && named) {
      await client.query('DEALLOCATE ALL').then(
        () => forgetNamedStatements(client),
        () => {
          broken = true;
        },
      );
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

// Whether the login role could leave RLS: a superuser, a BYPASSRLS role, or a member of a role
// that bypasses RLS (tenantdb_system, the owner). The application connection must be none of them.
const PRIVILEGED_LOGIN_SQL = `select r.rolname as role,
  r.rolsuper or r.rolbypassrls or exists (
    select 1 from pg_catalog.pg_roles o
    where o.oid <> r.oid and (o.rolsuper or o.rolbypassrls) and pg_catalog.pg_has_role(r.oid, o.oid, 'MEMBER')
  ) as privileged
  from pg_catalog.pg_roles r where r.rolname = current_user`;

/**
 * A PostgreSQL server (directly or through PgBouncer in transaction mode) through pg pools: one
 * pool in `single` mode; an application pool and a system pool in `split` mode.
 */
export function createNodePostgresDatabase<TSchema extends Schema>(options: {
  url: string;
  systemUrl?: string | undefined;
  max?: number | undefined;
  switchRole: boolean;
  prepare?: boolean | undefined;
  schema: TSchema;
}): Database<TSchema> {
  const { schema } = options;
  const nameOf = options.prepare === true ? statementNames() : undefined;
  const max = options.max ?? 10;
  const appPool = createPool(options.url, max);
  const split = options.systemUrl !== undefined && options.systemUrl !== options.url;
  const systemPool = split ? createPool(options.systemUrl as string, max) : appPool;

  // Split mode: refuse to run tenant work on a privileged application connection. Checked once,
  // on first tenant use (the role may not exist before the first migration).
  let appChecked: Promise<void> | undefined;
  const checkApp = (): Promise<void> => {
    if (!split) return Promise.resolve();
    appChecked ??= appPool.query<{ role: string; privileged: boolean }>(PRIVILEGED_LOGIN_SQL).then(
      ({ rows: [row] }) => {
        if (row?.privileged !== false) {
          appChecked = undefined;
          throw new ConfigError(
            'CONFIG_INVALID',
            `The application connection logs in as ${row?.role ?? 'an unknown role'}, which can bypass row-level security. Log it in as tenantdb_app (or a role that is only a member of it), and give the owner's URL as systemUrl.`,
          );
        }
      },
      (error: unknown) => {
        appChecked = undefined;
        throw error;
      },
    );
    return appChecked;
  };

  const appTransaction = transactionsOn(appPool, schema);
  const systemTransaction = transactionsOn(systemPool, schema);
  const dangerouslyPrivilegedOrm = drizzle(systemPool, { schema }) as unknown as Orm<TSchema>;
  dangerouslyPrivilegedOrm.transaction = ((fn: (tx: OrmTransaction<TSchema>) => Promise<unknown>) =>
    systemTransaction(fn)) as Orm<TSchema>['transaction'];

  // Single statements: open_context and the statement in one pipeline, one implicit transaction.
  const router = statementRouter<StatementContext>();
  const statementClient = new (class StatementClient {
    async query(config: DrizzleQueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
      const context = router.take();
      await checkApp();
      const name = nameOf?.(config.text);
      return inBlock(
        appPool,
        {
          text: OPEN_CONTEXT_SQL,
          values: openContextValues(context),
          ...(nameOf !== undefined ? { name: OPEN_CONTEXT_NAME } : {}),
        },
        (status) => context.onStatus(status ?? ''),
        // Unnamed unless `prepare` names it (Drizzle's prepared queries pass an empty name).
        { ...config, name },
        values,
      );
    }
  })();
  const statementOrm = drizzle(statementClient as unknown as pg.Pool, { schema }) as unknown as Orm<TSchema>;
  // A system statement: the same pipeline on the system pool, with the system context opened.
  const systemQuery = async <Row>(reason: string, text: string, params?: unknown[]): Promise<Row[]> =>
    (await inBlock(systemPool, { text: OPEN_SYSTEM_CONTEXT_SQL, values: [reason] }, () => {}, { text }, params))
      .rows as Row[];
  let closed = false;
  return {
    kind: 'postgres',
    connections: split ? 'split' : 'single',
    schema,
    switchRole: options.switchRole,
    dangerouslyPrivilegedOrm,
    tenantTransaction: async (fn) => {
      await checkApp();
      return appTransaction(fn);
    },
    runStatement: (context, operation) => router.run(context, () => operation(statementOrm)),
    queryInContext: async <Row>(context: StatementContext, text: string, params?: unknown[]) =>
      (await router.run(context, () => statementClient.query({ text }, params))).rows as Row[],
    systemQuery,
    systemTransaction,
    rawTransaction: async (fn) => {
      const client = await systemPool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const session: RawSession = {
          query: async <Row>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as Row[],
          exec: async (text: string) => {
            await client.query(text);
          },
          command: async (text: string, params?: unknown[]) => (await client.query(text, params)).rowCount ?? 0,
          pipelineInContext: async <Row>(context: PipelineContext, text: string, params?: unknown[]) => {
            const open = { text: OPEN_CONTEXT_SQL, values: [context.tenantId, context.userId, 'true'] };
            const result = await queryWithPrefix(client, [open], () => {}, { text }, params);
            return { rows: result.rows as Row[], affected: result.rowCount ?? 0 };
          },
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
    rawQuery: async <Row>(text: string, params?: unknown[]) => (await systemPool.query(text, params)).rows as Row[],
    listen: async (channel: string, onPayload: (payload: string) => void) => {
      const name = checkChannel(channel);
      const client = await systemPool.connect();
      const handler = (message: pg.Notification) => {
        if (message.channel === name) onPayload(message.payload ?? '');
      };
      client.on('notification', handler);
      try {
        await client.query(`LISTEN ${name}`);
      } catch (error) {
        client.off('notification', handler);
        client.release(true);
        throw error;
      }
      let stopped = false;
      return async () => {
        if (stopped) return;
        stopped = true;
        client.off('notification', handler);
        try {
          await client.query(`UNLISTEN ${name}`);
          client.release();
        } catch {
          client.release(true);
        }
      };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(split ? [appPool.end(), systemPool.end()] : [appPool.end()]);
    },
  };
}
