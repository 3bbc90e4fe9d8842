import { seedSampleData } from '../demo/sample-data.ts';
import { migrate } from '../migrate/migrator.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';

/** `tenantdb seed`: migrate, then create the sample tenants and data (idempotent). */
export async function seedCommand(options: CliOptions): Promise<number> {
  console.log(`tenantdb seed: ${describeTarget(options)}`);
  await withDatabase(options, async (db) => {
    await migrate(db, { log: (line) => console.log(`  ${line}`) });
    await seedSampleData(db, (line) => console.log(`  ${line}`));
  });
  return 0;
}
