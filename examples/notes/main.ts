/**
 * The notes example: a table of your own, migrated, isolated, typed and verified.
 *
 *   npx tsx examples/notes/main.ts                          # embedded PGlite
 *   DATABASE_URL=… TENANTDB_SYSTEM_URL=… npx tsx examples/notes/main.ts
 */
import { fileURLToPath } from 'node:url';
import {
  createDatabase,
  createSystemClient,
  createTenantClient,
  distribute,
  migrate,
  verify,
  type CreateDatabaseOptions,
} from 'tenantdb';
import * as tenantdbSchema from 'tenantdb/schema';
import { notes } from './schema.ts';

export const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));

export interface ExampleResult {
  /** What each tenant's client sees of the notes table. */
  seen: Record<string, string[]>;
  /** `tenantdb verify` on the database: checks, failures and leaks, and whether notes was attacked. */
  verify: { checks: number; failed: number; leaks: number; notesAttacked: boolean };
}

export async function runExample(
  connection: Omit<CreateDatabaseOptions, 'schema'> = {},
  log: (line: string) => void = () => {},
  options: {
    /** On a Citus coordinator: distribute the tables after migrating (notes too, by tenant_id). */
    distribute?: boolean;
  } = {},
): Promise<ExampleResult> {
  const db = await createDatabase({ ...connection, schema: { ...tenantdbSchema, notes } });
  try {
    const migrated = await migrate(db, { migrationsFolder: MIGRATIONS });
    log(`migrated: ${migrated.applied.length} applied, contract ${migrated.contract}`);
    if (options.distribute) {
      const spread = await distribute(db);
      log(`distributed: ${spread.distributed.length} tenant tables, ${spread.reference.length} reference tables`);
    }

    const system = createSystemClient(db, { reason: 'notes example: sign-up' });
    const stamp = Date.now().toString(36);
    const acme = await system.tenants.provision({ name: 'Acme', slug: `acme-${stamp}` });
    const globex = await system.tenants.provision({ name: 'Globex', slug: `globex-${stamp}` });

    const seen: Record<string, string[]> = {};
    for (const [name, { tenant }] of [
      ['Acme', acme],
      ['Globex', globex],
    ] as const) {
      const client = createTenantClient(db, { tenantId: tenant.id });
      // Typed: `client.tables.notes` exists because `notes` is in the schema, and its insert
      // needs no tenant_id (the context supplies it).
      await client.tables.notes.insert({ title: `${name}'s plan`, body: 'only we can read this' });
      const mine = await client.tables.notes.findMany();
      seen[name] = mine.map((note) => note.title);
      log(`${name} sees: ${seen[name]?.join(', ')}`);
    }

    const report = await verify(db);
    const notesAttacked = report.items.some((item) => item.object.includes('notes') && item.check.startsWith('attack'));
    log(`verify: ${report.checks} checks, ${report.failed} failed, ${report.leaks} leaks`);
    return { seen, verify: { checks: report.checks, failed: report.failed, leaks: report.leaks, notesAttacked } };
  } finally {
    await db.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runExample({}, (line) => console.log(line));
  process.exitCode = result.verify.failed === 0 ? 0 : 1;
}
