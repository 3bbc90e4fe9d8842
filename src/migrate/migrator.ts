import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { schemaContract } from '../contract/contract-sql.ts';
import type { Database, RawSession } from '../db/database.ts';
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
  /**
   * Your own migrations folder (drizzle-kit's `out`, with `meta/_journal.json`), for the tables you
   * declare with tenantTable()/globalTable(): applied after tenantdb's, recorded in
   * `tenantdb.app_migrations`, append-only like ours.
   */
  migrationsFolder?: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  /**
   * The per-table contract generated from the schema's declarations (FORCE RLS, grants, triggers,
   * SET NULL references, global-table reasons): `applied` when it changed since the last migrate.
   */
  contract: 'applied' | 'unchanged';
}

/** The ledger of each migrations source. */
const LEDGERS = { tenantdb: 'tenantdb.migrations', app: 'tenantdb.app_migrations' } as const;
type Ledger = (typeof LEDGERS)[keyof typeof LEDGERS];

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
  const lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  const sources: [Ledger, Migration[]][] = [[LEDGERS.tenantdb, await loadMigrations()]];
  if (options.migrationsFolder !== undefined) {
    sources.push([LEDGERS.app, await loadMigrations(options.migrationsFolder)]);
  }
  const result: MigrateResult = { applied: [], alreadyApplied: 0, contract: 'unchanged' };
  for (const [ledger, migrations] of sources) {
    for (const migration of migrations) {
      const applied = await withRetry(migration, () => applyOne(db, ledger, migration, lockTimeoutMs, log));
      if (applied) result.applied.push(migration.tag);
      else result.alreadyApplied++;
    }
  }
  result.contract = await applyContract(db, lockTimeoutMs, log);
  log(
    result.applied.length === 0
      ? `migrations: all ${result.alreadyApplied} already applied, nothing to do`
      : `migrations: applied ${result.applied.length} (${result.applied.join(', ')}), ${result.alreadyApplied} already applied`,
  );
  return result;
}

/** Takes the migration lock (transaction-scoped, so it also works through PgBouncer). */
async function lock(session: RawSession, lockTimeoutMs: number): Promise<void> {
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
}

async function applyOne(
  db: Database,
  ledger: Ledger,
  migration: Migration,
  lockTimeoutMs: number,
  log: (line: string) => void,
): Promise<boolean> {
  return db.rawTransaction(async (session) => {
    await lock(session, lockTimeoutMs);
    await session.exec(
      `CREATE SCHEMA IF NOT EXISTS tenantdb;
       CREATE TABLE IF NOT EXISTS ${ledger} (
         idx integer PRIMARY KEY,
         tag text NOT NULL,
         hash text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       );`,
    );
    const [row] = await session.query<{ tag: string; hash: string }>(`SELECT tag, hash FROM ${ledger} WHERE idx = $1`, [
      migration.index,
    ]);
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
    await session.query(`INSERT INTO ${ledger} (idx, tag, hash) VALUES ($1, $2, $3)`, [
      migration.index,
      migration.tag,
      migration.hash,
    ]);
    return true;
  });
}

/**
 * Applies the contract generated from the schema's declarations when it differs from the one
 * applied last (its hash is kept in `tenantdb.contract_state`): every statement is idempotent, but
 * re-running it takes table locks, so an unchanged contract is not run again.
 */
async function applyContract(db: Database, lockTimeoutMs: number, log: (line: string) => void) {
  const statements = schemaContract(db.schema);
  const hash = createHash('sha256').update(statements.join(';\n')).digest('hex');
  return db.rawTransaction(async (session) => {
    await lock(session, lockTimeoutMs);
    await session.exec(
      `CREATE TABLE IF NOT EXISTS tenantdb.contract_state (
         id boolean PRIMARY KEY DEFAULT true CHECK (id),
         hash text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       );`,
    );
    const [row] = await session.query<{ hash: string }>('SELECT hash FROM tenantdb.contract_state');
    if (row?.hash === hash) return 'unchanged' as const;
    log(`applying the table contract (${statements.length} statements)`);
    for (const statement of statements) {
      try {
        await session.exec(statement);
      } catch (error) {
        throw new MigrationError(
          'MIGRATION_FAILED',
          `The table contract failed at ${statement}: ${(error as Error).message}. Is every declared table migrated (npx drizzle-kit generate, then migrate with migrationsFolder)? Nothing of the contract was applied.`,
          { cause: error, query: statement },
        );
      }
    }
    await session.query(
      `INSERT INTO tenantdb.contract_state (hash) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET hash = EXCLUDED.hash, applied_at = now()`,
      [hash],
    );
    return 'applied' as const;
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
