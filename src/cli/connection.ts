import { createDatabase, type BuiltinSchema } from '../client/create-database.ts';
import type { Database } from '../db/database.ts';
import { ConfigError } from '../errors.ts';
import { migrationStatus } from '../migrate/status.ts';
import type { CliOptions } from './args.ts';

/**
 * Opens the database for one command and closes it when the command ends — also on SIGINT or
 * SIGTERM, so an interrupted command never leaves a pool or a PGlite data directory open.
 */
export async function withDatabase<T>(
  options: CliOptions,
  fn: (db: Database<BuiltinSchema>) => Promise<T>,
): Promise<T> {
  const db = await createDatabase({ url: options.url, dataDir: options.dataDir });
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`\ntenantdb: ${signal}, closing the database\n`);
    void db.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(db);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.close();
  }
}

export function describeTarget(options: CliOptions): string {
  if (options.url) {
    const u = new URL(options.url);
    return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
  }
  return options.dataDir ? `embedded PGlite (data directory ${options.dataDir})` : 'embedded PGlite (in memory)';
}

/** Refuses to run `command` on a database with migrations not yet applied (CONFIG_INVALID). */
export async function requireMigrated(db: Database, command: string): Promise<void> {
  const status = await db.rawTransaction((session) => migrationStatus(session));
  if (status.pending > 0) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `${command}: ${status.pending} migration(s) not applied to this database: run tenantdb migrate first.`,
    );
  }
}
