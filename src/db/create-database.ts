import { ConfigError } from '../errors.ts';
import type { CreateDatabaseOptions, Database } from './database.ts';
import { createNodePostgresDatabase } from './node-postgres.ts';
import { createPgliteDatabase } from './pglite.ts';

/**
 * Connects to the database: a PostgreSQL server when `url` (or `DATABASE_URL`) is given,
 * otherwise embedded PGlite (in memory, or persistent in `dataDir`). Same API either way.
 *
 * @example
 * const db = await createDatabase();                       // embedded, in memory
 * const db = await createDatabase({ url: process.env.DATABASE_URL });
 * await migrate(db);
 * await db.close();
 */
export async function createDatabase(options: CreateDatabaseOptions = {}): Promise<Database> {
  const url = options.url ?? (options.embedded ? undefined : process.env.DATABASE_URL || undefined);
  const switchRole = options.dangerouslySkipRoleSwitch !== true;
  if (url !== undefined) {
    if (options.dataDir !== undefined) {
      throw new ConfigError('CONFIG_INVALID', 'Give either url (a server) or dataDir (embedded PGlite), not both.');
    }
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new ConfigError('CONFIG_INVALID', 'The database url must start with postgres:// or postgresql://.');
    }
    return createNodePostgresDatabase({ url, max: options.max, switchRole });
  }
  return createPgliteDatabase({ dataDir: options.dataDir, switchRole });
}
