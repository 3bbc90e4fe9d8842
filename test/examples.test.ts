/**
 * The examples/ projects, run on this backend: a table of the user's own, declared with
 * tenantTable() in their schema module, is migrated (drizzle-kit DDL + the generated contract),
 * typed on the tenant client, isolated and covered by `tenantdb verify`.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runExample } from '../examples/notes/main.ts';
import { backend, connections, isCitus } from './helpers/backend.ts';
import { createTestDatabase } from './helpers/backend.ts';
import { createDatabase, migrate } from '../src/index.ts';

/** For the tests that migrate, distribute and verify a Citus database of their own. */
const CITUS_TIMEOUT = isCitus ? 300_000 : undefined;

describe(`examples/notes on ${backend} (${connections} connection)`, () => {
  it(
    'migrates, isolates and verifies its own notes table',
    async () => {
      const test = await createTestDatabase({ migrated: false });
      try {
        // The example opens its own database with its own schema; on PGlite it needs a fresh
        // embedded one (the test database's instance holds tenantdb's schema only).
        const connection =
          backend === 'pglite'
            ? { embedded: true }
            : connections === 'split'
              ? { url: test.url?.replace(/\/\/[^@/]*@/, '//tenantdb_app@'), systemUrl: test.url }
              : { url: test.url };
        // Split mode needs tenantdb_app to exist before the application connection logs in: migrate
        // once on the owner's connection.
        if (connections === 'split') {
          const owner = await createDatabase({ url: test.url as string });
          try {
            await migrate(owner);
          } finally {
            await owner.close();
          }
        }
        // On Citus, the example distributes its tables (tenantdb's and notes) after migrating.
        const result = await runExample(connection, undefined, { distribute: isCitus });
        expect(result.seen).toEqual({ Acme: ["Acme's plan"], Globex: ["Globex's plan"] });
        expect(result.verify.failed).toBe(0);
        expect(result.verify.leaks).toBe(0);
        expect(result.verify.notesAttacked).toBe(true);
        if (test.directUrl) {
          const client = new pg.Client({ connectionString: test.directUrl });
          await client.connect();
          try {
            const { rows } = await client.query(
              `select c.relforcerowsecurity as forced,
                    has_table_privilege('tenantdb_app', 'public.notes', 'TRUNCATE') as truncate,
                    exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'audit_row') as audited
             from pg_class c where c.oid = 'public.notes'::regclass`,
            );
            expect(rows).toEqual([{ forced: true, truncate: false, audited: true }]);
          } finally {
            await client.end();
          }
        }
      } finally {
        await test.dispose();
      }
      // On Citus it migrates, distributes and verifies a database of its own: 73–89 s in earlier
      // CI runs while other files run beside it, too close to the default 120 s.
    },
    CITUS_TIMEOUT,
  );
});
