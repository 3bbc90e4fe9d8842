import { checkDatabaseHealth } from '../migrate/health.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';

/** `tenantdb health`: connectivity, server version, migrations applied, app role safe. */
export async function healthCommand(options: CliOptions): Promise<number> {
  const health = await withDatabase(options, (db) => checkDatabaseHealth(db));
  if (options.json) console.log(JSON.stringify(health));
  else {
    console.log(`tenantdb health: ${describeTarget(options)}`);
    for (const [key, value] of Object.entries(health)) console.log(`  ${key}: ${JSON.stringify(value)}`);
  }
  return health.ok ? 0 : 1;
}
