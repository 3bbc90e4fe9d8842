import { openDatabase } from '../db/create-database.ts';
import type { CreateDatabaseOptions, Database, Schema } from '../db/database.ts';
import * as builtinSchema from '../schema/index.ts';

/** tenantdb's own schema (every table of the source documents), the default of createDatabase. */
export type BuiltinSchema = typeof builtinSchema;

/**
 * Connects to the database: a PostgreSQL server when `url` (or `DATABASE_URL`) is given,
 * otherwise embedded PGlite (in memory, or persistent in `dataDir`). Same API either way.
 * `schema` defaults to tenantdb's own; pass `{ ...schema, ...yours }` to add your tables.
 * In production give two URLs: `url` logged in as `tenantdb_app` and `systemUrl` as the owner.
 *
 * @example
 * const db = await createDatabase();                       // embedded, in memory
 * const db = await createDatabase({
 *   url: process.env.DATABASE_URL,                         // logs in as tenantdb_app
 *   systemUrl: process.env.TENANTDB_SYSTEM_URL,            // the owner, for system work
 *   schema: { ...schema, notes },                          // tenantdb's tables and yours
 * });
 * await migrate(db);
 * await db.close();
 */
export function createDatabase(
  options?: CreateDatabaseOptions<BuiltinSchema> & { schema?: undefined },
): Promise<Database<BuiltinSchema>>;
export function createDatabase<TSchema extends Schema>(
  options: CreateDatabaseOptions<TSchema> & { schema: TSchema },
): Promise<Database<TSchema>>;
export function createDatabase(options: CreateDatabaseOptions<Schema> = {}): Promise<Database<Schema>> {
  return openDatabase({ ...options, schema: options.schema ?? builtinSchema });
}
