/**
 * npm run generate (after drizzle-kit generate): migrates a fresh embedded database and writes
 * migrations/catalogue.sql, the committed catalogue dump (see scripts/catalogue.ts).
 */
import { writeFileSync } from 'node:fs';
import { createDatabase, migrate } from '../src/index.ts';
import { CATALOGUE_FILE, dumpCatalogue } from './catalogue.ts';

const db = await createDatabase({ embedded: true });
try {
  await migrate(db);
  const text = await dumpCatalogue(db);
  writeFileSync(CATALOGUE_FILE, text);
  console.log(`wrote migrations/catalogue.sql (${text.split('\n').length} lines)`);
} finally {
  await db.close();
}
