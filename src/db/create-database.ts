import { ConfigError } from '../errors.ts';
import type { CreateDatabaseOptions, Database, Schema } from './database.ts';
import { createNodePostgresDatabase } from './node-postgres.ts';
import { createPgliteDatabase } from './pglite.ts';

const URL_FORMAT = /^postgres(ql)?:\/\//;

/**
 * Connects to the database with the schema it is given (generic, like Drizzle's
 * `drizzle(client, { schema })`): a PostgreSQL server when `url` (or `DATABASE_URL`) is given,
 * otherwise embedded PGlite. See the package entry point's `createDatabase` for the default schema.
 */
export async function openDatabase<TSchema extends Schema>(
  options: CreateDatabaseOptions<TSchema> & { schema: TSchema },
): Promise<Database<TSchema>> {
  const url = options.url ?? (options.embedded ? undefined : process.env.DATABASE_URL || undefined);
  const systemUrl =
    options.systemUrl ??
    (options.embedded || options.url !== undefined ? undefined : process.env.TENANTDB_SYSTEM_URL || undefined);
  const switchRole = options.dangerouslySkipRoleSwitch !== true;
  if (url !== undefined) {
    if (options.dataDir !== undefined) {
      throw new ConfigError('CONFIG_INVALID', 'Give either url (a server) or dataDir (embedded PGlite), not both.');
    }
    for (const [name, value] of [
      ['url', url],
      ['systemUrl', systemUrl],
    ] as const) {
      if (value !== undefined && !URL_FORMAT.test(value)) {
        throw new ConfigError('CONFIG_INVALID', `The database ${name} must start with postgres:// or postgresql://.`);
      }
    }
    return createNodePostgresDatabase({
      url,
      systemUrl,
      max: options.max,
      switchRole,
      prepare: options.prepare,
      schema: options.schema,
    });
  }
  if (systemUrl !== undefined) {
    throw new ConfigError('CONFIG_INVALID', 'systemUrl needs url (the application connection) as well.');
  }
  return createPgliteDatabase({ dataDir: options.dataDir, switchRole, schema: options.schema });
}
