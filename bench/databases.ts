/**
 * The databases the benchmark runs on. On a server: one dedicated database per data set
 * (`tenantdb_bench`, `tenantdb_bench_tenants_<n>`), created through DATABASE_URL as the
 * superuser — never the DATABASE_URL database itself. With --pglite: one in-memory PGlite per
 * data set. Each is migrated with tenantdb's own `migrate()`.
 */
import pg from 'pg';
import { createDatabase, migrate, TenantDbError, type BuiltinSchema, type Database } from '../src/index.ts';
import { log } from './progress.ts';

export type Backend = { kind: 'postgres'; url: string } | { kind: 'pglite' };

/** Plain SQL on one connection at a time: the baseline and the bench's own admin work. */
export interface RawExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
}

export interface BenchDatabase {
  /** The database's name on the server, or its label on PGlite. */
  readonly name: string;
  readonly backend: Backend['kind'];
  /** The database's URL (server only). */
  readonly url: string | undefined;
  /** tenantdb on this database: `createDatabase({ url, max: concurrency })` (or PGlite). */
  readonly db: Database<BuiltinSchema>;
  /**
   * The baseline: a plain `pg.Pool` of the same size connected as the URL's role (the superuser,
   * so RLS is bypassed) — on PGlite, the instance's own superuser connection.
   */
  readonly raw: RawExecutor;
  close(): Promise<void>;
}

/** Same server and credentials, another database. */
export function databaseUrl(url: string, name: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  if (user !== undefined) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Opens a bench database, creating it when missing (and dropping it first when `fresh`). The
 * names are fixed by the bench (letters, digits, underscores), quoted all the same.
 */
export async function openBenchDatabase(
  backend: Backend,
  name: string,
  options: { fresh: boolean; concurrency: number },
): Promise<BenchDatabase> {
  if (backend.kind === 'pglite') {
    const db = await createDatabase({ embedded: true });
    await migrate(db);
    return { name, backend: 'pglite', url: undefined, db, raw: { query: db.rawQuery }, close: () => db.close() };
  }
  const adminUrl = backend.url;
  const ownDatabase = new URL(adminUrl).pathname.replace(/^\//, '') || 'postgres';
  if (ownDatabase === name) throw new Error(`Refusing to use the DATABASE_URL database (${name}) for bench data.`);
  await withAdmin(adminUrl, async (admin) => {
    if (options.fresh) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
  const url = databaseUrl(adminUrl, name);
  const db = await createDatabase({ url, max: options.concurrency });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    // The bench's databases are disposable: one migrated with a migration file that has since
    // changed (another branch, work in progress) is rebuilt rather than left in the way.
    if (!options.fresh && error instanceof TenantDbError && error.code === 'MIGRATION_EDITED') {
      log(`${name}: ${error.message} Recreating this bench database.`);
      return openBenchDatabase(backend, name, { ...options, fresh: true });
    }
    throw error;
  }
  const pool = new pg.Pool({ connectionString: url, max: options.concurrency });
  pool.on('error', () => {});
  return {
    name,
    backend: 'postgres',
    url,
    db,
    raw: { query: async <Row>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as Row[] },
    close: async () => {
      await Promise.all([db.close(), pool.end()]);
    },
  };
}

/** The server's version string (`SHOW server_version`). */
export async function serverVersion(raw: RawExecutor): Promise<string> {
  const [row] = await raw.query<{ server_version: string }>('SHOW server_version');
  return row?.server_version ?? 'unknown';
}
