/**
 * The backend a test file runs on, chosen by TENANTDB_TEST_BACKEND:
 * - `pglite` (default, no server needed): a fresh in-memory PGlite per call;
 * - `postgres`: a fresh database per call on the server at DATABASE_URL;
 * - `pgbouncer`: the same, created through DATABASE_URL but used through PGBOUNCER_URL
 *   (transaction pooling);
 * - `citus`: a fresh database per call on the Citus coordinator at DATABASE_URL and on each worker
 *   of CITUS_WORKER_URLS (comma-separated superuser URLs), with the citus extension and the
 *   workers registered; migrated databases are distributed (`distribute()`, 4 shards per table).
 * Every database is migrated. TENANTDB_TEST_CONNECTIONS chooses how a server is connected:
 * - `single` (default): one privileged (superuser) URL; tenant transactions switch to tenantdb_app;
 * - `split`: production's least-privilege setup: the application connection logs in as
 *   tenantdb_app, system work runs on a separate owner (superuser) connection.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  createDatabase,
  migrate,
  type BuiltinSchema,
  type CreateDatabaseOptions,
  type Database,
} from '../../src/index.ts';
import { distribute } from '../../src/migrate/distribute.ts';

export type TestDb = Database<BuiltinSchema>;

export type BackendName = 'pglite' | 'postgres' | 'pgbouncer' | 'citus';

export const backend: BackendName = (() => {
  const name = process.env.TENANTDB_TEST_BACKEND ?? 'pglite';
  if (name !== 'pglite' && name !== 'postgres' && name !== 'pgbouncer' && name !== 'citus') {
    throw new Error(`TENANTDB_TEST_BACKEND must be pglite, postgres, pgbouncer or citus (got ${name})`);
  }
  if (name === 'citus' && !process.env.CITUS_WORKER_URLS) throw new Error('citus tests need CITUS_WORKER_URLS');
  if (name !== 'pglite' && !process.env.DATABASE_URL) throw new Error(`${name} tests need DATABASE_URL`);
  if (name === 'pgbouncer' && !process.env.PGBOUNCER_URL) throw new Error('pgbouncer tests need PGBOUNCER_URL');
  return name;
})();

/** True on backends with real concurrent connections (a server); PGlite has one connection. */
export const isServer = backend !== 'pglite';

/** True on the Citus backend (tables distributed by tenant_id over two workers). */
export const isCitus = backend === 'citus';

async function onServer(url: string, sql: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of sql) await client.query(statement);
  } finally {
    await client.end();
  }
}

// Databases of the cluster are created one at a time: concurrent CREATE EXTENSION citus and
// citus_add_node calls on the same workers fail ("failure on connection marked as essential").
let citusCreation: Promise<unknown> = Promise.resolve();

/** Creates `name` on the coordinator and every worker, with citus, and registers the workers. */
function createCitusDatabase(adminUrl: string, name: string): Promise<void> {
  const next = citusCreation.then(() => createCitusDatabaseNow(adminUrl, name));
  citusCreation = next.catch(() => {});
  return next;
}

async function createCitusDatabaseNow(adminUrl: string, name: string): Promise<void> {
  // Across processes too (vitest runs files in several): a session advisory lock on the
  // coordinator's maintenance database, held while the database is created and registered.
  const lock = new pg.Client({ connectionString: adminUrl });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(7358141)');
    await createCitusDatabaseLocked(adminUrl, name);
  } finally {
    await lock.end();
  }
}

async function createCitusDatabaseLocked(adminUrl: string, name: string): Promise<void> {
  const workers = (process.env.CITUS_WORKER_URLS as string).split(',').map((u) => u.trim());
  const extensions = ['CREATE EXTENSION IF NOT EXISTS citus', 'CREATE EXTENSION IF NOT EXISTS vector'];
  for (const url of [adminUrl, ...workers]) {
    await onServer(url, [`CREATE DATABASE ${name}`]);
    await onServer(withDatabase(url, name), extensions);
  }
  const coordinator = new URL(adminUrl);
  await onServer(withDatabase(adminUrl, name), [
    `SELECT citus_set_coordinator_host('${coordinator.hostname}', ${Number(coordinator.port || 5432)})`,
    ...workers.map((w) => {
      const u = new URL(w);
      return `SELECT citus_add_node('${u.hostname}', ${Number(u.port || 5432)})`;
    }),
  ]);
}

async function dropCitusDatabase(adminUrl: string, name: string): Promise<void> {
  const workers = (process.env.CITUS_WORKER_URLS as string).split(',').map((u) => u.trim());
  for (const url of [adminUrl, ...workers]) await onServer(url, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

/** Whether the server suite runs with the application connection logged in as tenantdb_app. */
export const connections: 'single' | 'split' = (() => {
  const mode = process.env.TENANTDB_TEST_CONNECTIONS ?? 'single';
  if (mode !== 'single' && mode !== 'split') {
    throw new Error(`TENANTDB_TEST_CONNECTIONS must be single or split (got ${mode})`);
  }
  return isServer ? mode : 'single';
})();

export interface TestDatabase {
  db: TestDb;
  /** URL of this database on the backend (undefined on PGlite). */
  url: string | undefined;
  /** Direct (not pooled) URL, for admin work such as DDL in tests (undefined on PGlite). */
  directUrl: string | undefined;
  /**
   * Opens another Database on the same database (new pools; on PGlite the same instance), in the
   * suite's connection mode; `dangerouslySkipRoleSwitch` always gets one privileged connection.
   */
  connect(options?: Omit<CreateDatabaseOptions, 'url' | 'dataDir' | 'schema' | 'systemUrl'>): Promise<TestDb>;
  /** Closes every Database opened here and drops the database. */
  dispose(): Promise<void>;
}

function withDatabase(url: string, name: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  if (user !== undefined) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

/** A fresh database, migrated unless `migrated: false`. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const opened: Database[] = [];
  if (backend === 'pglite') {
    const db = await createDatabase({ embedded: true });
    if (options.migrated !== false) await migrate(db);
    // PGlite is one in-process instance; a "second connection" with different options is a
    // second view of the same instance, which createDatabase cannot give, so we rebuild the
    // options on the same client through a thin wrapper.
    return {
      db,
      url: undefined,
      directUrl: undefined,
      connect: async (connectOptions = {}) => ({
        ...db,
        switchRole: connectOptions.dangerouslySkipRoleSwitch !== true,
        close: async () => {},
      }),
      dispose: () => db.close(),
    };
  }
  const adminUrl = process.env.DATABASE_URL as string;
  const name = `tenantdb_test_${randomBytes(6).toString('hex')}`;
  if (isCitus) await createCitusDatabase(adminUrl, name);
  else await onServer(adminUrl, [`CREATE DATABASE ${name}`]);
  const directUrl = withDatabase(adminUrl, name);
  const url = backend === 'pgbouncer' ? withDatabase(process.env.PGBOUNCER_URL as string, name) : directUrl;
  const server = backend === 'pgbouncer' ? (process.env.PGBOUNCER_URL as string) : adminUrl;
  const appUrl = withDatabase(server, name, 'tenantdb_app');
  const connect = async (
    connectOptions: Omit<CreateDatabaseOptions, 'url' | 'dataDir' | 'schema' | 'systemUrl'> = {},
  ) => {
    const split = connections === 'split' && connectOptions.dangerouslySkipRoleSwitch !== true;
    const db = await createDatabase({ ...connectOptions, ...(split ? { url: appUrl, systemUrl: url } : { url }) });
    opened.push(db);
    return db;
  };
  const db = await connect({ max: 16 });
  if (options.migrated !== false) {
    await migrate(db);
    if (isCitus) await distribute(db, { shardCount: 4 });
  }
  return {
    db,
    url,
    directUrl,
    connect,
    dispose: async () => {
      await Promise.all(opened.map((d) => d.close()));
      if (isCitus) await dropCitusDatabase(adminUrl, name);
      else await onServer(adminUrl, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
    },
  };
}

/**
 * The URLs another process (a worker, say) connects to a test database with, as `connect` does:
 * `url` alone in single mode; in split mode the application URL logs in as tenantdb_app and the
 * owner's is `systemUrl` (empty in single mode).
 */
export function processUrls(t: TestDatabase): { url: string; systemUrl: string } {
  const url = t.url as string;
  if (connections === 'single') return { url, systemUrl: '' };
  const app = new URL(url);
  app.username = 'tenantdb_app';
  app.password = '';
  return { url: app.toString(), systemUrl: url };
}
