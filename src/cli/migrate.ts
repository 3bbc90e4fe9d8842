import { migrate } from '../migrate/migrator.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';

/** `tenantdb migrate`: apply the committed migrations (idempotent, advisory-locked). */
export async function migrateCommand(options: CliOptions): Promise<number> {
  console.log(`tenantdb migrate: ${describeTarget(options)}`);
  const result = await withDatabase(options, (db) => migrate(db, { log: (line) => console.log(`  ${line}`) }));
  if (options.json) console.log(JSON.stringify(result));
  return 0;
}
