import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database.ts';
import { MigrationError, sqlStateOf } from '../errors.ts';

/** The committed migrations: drizzle-kit generated SQL plus hand-written SQL, in journal order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// pg_advisory_xact_lock key: the first 8 bytes of sha256('tenantdb:migrate') as a signed bigint.
const LOCK_KEY = createHash('sha256').update('tenantdb:migrate').digest().readBigInt64BE(0).toString();

// Transient errors of two databases in one cluster creating the same roles at the same moment.
const RETRYABLE = new Set(['XX000', '40001', '40P01', '23505']);

export interface Migration {
  readonly index: number;
  readonly tag: string;
  readonly hash: string;
  readonly statements: readonly string[];
}

export interface MigrateOptions {
  /** Progress lines ("applying 0001_schema"). Default: silent. */
  log?: (line: string) => void;
  /** How long to wait for another migrator's lock. Default 60 s. */
  lockTimeoutMs?: number;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const journal = JSON.parse(await readFile(`${dir}/meta/_journal.json`, 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  return Promise.all(
    journal.entries.map(async (entry) => {
      const text = await readFile(`${dir}/${entry.tag}.sql`, 'utf8');
      return {
        index: entry.idx,
        tag: entry.tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
    }),
  );
}

/**
 * Applies the committed migrations that this database has not applied yet, each in its own
 * transaction under a transaction-scoped advisory lock (so it also works through PgBouncer).
 * Idempotent: a second run applies nothing. Two migrators at once: the second waits, then finds
 * the work done. An applied migration whose file was edited since is refused.
 */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = await loadMigrations();
  const result: MigrateResult = { applied: [], alreadyApplied: 0 };
  for (const migration of migrations) {
    const applied = await withRetry(migration, () => applyOne(db, migration, options.lockTimeoutMs ?? 60_000, log));
    if (applied) result.applied.push(migration.tag);
    else result.alreadyApplied++;
  }
  log(
    result.applied.length === 0
      ? `migrations: all ${result.alreadyApplied} already applied, nothing to do`
      : `migrations: applied ${result.applied.length} (${result.applied.join(', ')}), ${result.alreadyApplied} already applied`,
  );
  return result;
}

async function applyOne(
  db: Database,
  migration: Migration,
  lockTimeoutMs: number,
  log: (line: string) => void,
): Promise<boolean> {
  return db.rawTransaction(async (session) => {
    await session.exec(`SET LOCAL lock_timeout = '${Math.max(1, Math.floor(lockTimeoutMs))}ms'`);
    try {
      await session.query('SELECT pg_advisory_xact_lock($1::bigint)', [LOCK_KEY]);
    } catch (error) {
      if (sqlStateOf(error) === '55P03') {
        throw new MigrationError(
          'MIGRATION_LOCK_TIMEOUT',
          `Another migrator has held the migration lock for over ${lockTimeoutMs} ms; try again when it finishes.`,
          { cause: error },
        );
      }
      throw error;
    }
    await session.exec(
      `CREATE SCHEMA IF NOT EXISTS tenantdb;
       CREATE TABLE IF NOT EXISTS tenantdb.migrations (
         idx integer PRIMARY KEY,
         tag text NOT NULL,
         hash text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       );`,
    );
    const [row] = await session.query<{ tag: string; hash: string }>(
      'SELECT tag, hash FROM tenantdb.migrations WHERE idx = $1',
      [migration.index],
    );
    if (row) {
      if (row.hash !== migration.hash || row.tag !== migration.tag) {
        throw new MigrationError(
          'MIGRATION_EDITED',
          `Migration ${migration.tag} was applied to this database but its file has changed since. Applied migrations are append-only: restore the file and put the change in a new migration.`,
        );
      }
      return false;
    }
    log(`applying ${migration.tag} (${migration.statements.length} statements)`);
    for (const [i, statement] of migration.statements.entries()) {
      try {
        await session.exec(statement);
      } catch (error) {
        const state = sqlStateOf(error);
        if (state !== undefined && RETRYABLE.has(state)) throw error;
        throw new MigrationError(
          'MIGRATION_FAILED',
          `Migration ${migration.tag} failed at statement ${i + 1}: ${(error as Error).message}. Nothing of this migration was applied.`,
          { cause: error, query: statement },
        );
      }
    }
    await session.query('INSERT INTO tenantdb.migrations (idx, tag, hash) VALUES ($1, $2, $3)', [
      migration.index,
      migration.tag,
      migration.hash,
    ]);
    return true;
  });
}

async function withRetry<T>(migration: Migration, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const state = sqlStateOf(error);
      if (state === undefined || !RETRYABLE.has(state)) throw error;
      if (attempt >= 5) {
        throw new MigrationError(
          'MIGRATION_FAILED',
          `Migration ${migration.tag} failed ${attempt} times: ${(error as Error).message}. Nothing of this migration was applied.`,
          { cause: error },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
