import { distribute } from '../migrate/distribute.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';

/** `tenantdb distribute`: reference tables for global tables, tenant tables by tenant_id (Citus). */
export async function distributeCommand(options: CliOptions): Promise<number> {
  console.log(`tenantdb distribute: ${describeTarget(options)}`);
  const result = await withDatabase(options, (db) => distribute(db, { log: (line) => console.log(`  ${line}`) }));
  console.log(
    `  done: ${result.reference.length} reference, ${result.distributed.length} distributed, ${result.kept.length} already distributed`,
  );
  if (options.json) console.log(JSON.stringify(result));
  return 0;
}
