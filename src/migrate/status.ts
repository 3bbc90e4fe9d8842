import type { RawSession } from '../db/database.ts';
import { loadMigrations, MIGRATIONS_DIR } from './migrator.ts';

/** One committed migration file, as this database has (or has not) applied it. */
export interface MigrationFileStatus {
  tag: string;
  /** `applied` unchanged; `pending` not applied yet; `edited` applied, but the file changed since. */
  state: 'applied' | 'pending' | 'edited';
}

export interface MigrationStatus {
  files: MigrationFileStatus[];
  applied: number;
  pending: number;
  edited: number;
}

/**
 * Compares the committed migrations with this database's ledger (`tenantdb.migrations`, or
 * `tenantdb.app_migrations` for a user's folder). Read-only; the one place migrate's ledger is
 * read outside the migrator, for `checkDatabaseHealth`, `tenantdb health` and `tenantdb doctor`.
 */
export async function migrationStatus(
  session: Pick<RawSession, 'query'>,
  options: { migrationsFolder?: string } = {},
): Promise<MigrationStatus> {
  const app = options.migrationsFolder !== undefined;
  const ledger = app ? 'tenantdb.app_migrations' : 'tenantdb.migrations';
  const files = await loadMigrations(options.migrationsFolder ?? MIGRATIONS_DIR);
  const [exists] = await session.query<{ exists: boolean }>(`select to_regclass($1) is not null as exists`, [ledger]);
  const rows = exists?.exists
    ? await session.query<{ idx: number; hash: string }>(`select idx, hash from ${ledger} order by idx`)
    : [];
  const hashes = new Map(rows.map((row) => [row.idx, row.hash]));
  const status: MigrationStatus = { files: [], applied: 0, pending: 0, edited: 0 };
  for (const file of files) {
    const hash = hashes.get(file.index);
    const state = hash === undefined ? 'pending' : hash === file.hash ? 'applied' : 'edited';
    status.files.push({ tag: file.tag, state });
    status[state]++;
  }
  return status;
}
