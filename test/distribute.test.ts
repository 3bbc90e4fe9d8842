/**
 * `distribute()` (tenantdb distribute): refused with a typed error where there is no Citus; on
 * Citus, idempotent — a second run distributes nothing and keeps every table as it is — and it
 * distributes a populated database without writing history: copying the rows into the shards
 * fires no trigger (no audit entry for rows nobody wrote), and each trigger keeps its state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distribute, tenantTables, globalTables, migrate, withTenantContext } from '../src/index.ts';
import { seedSampleData } from '../src/demo/sample-data.ts';
import { connectors } from '../src/schema/index.ts';
import { backend, createTestDatabase, isCitus, type TestDatabase } from './helpers/backend.ts';
import { codeOf } from './helpers/tenants.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.dispose());

describe(`distribute (${backend})`, () => {
  it.skipIf(isCitus)('is refused with CONFIG_INVALID on a server without Citus, changing nothing', async () => {
    expect(await codeOf(distribute(t.db))).toBe('CONFIG_INVALID');
    const [row] = await t.db.rawQuery<{ n: number }>(
      `select count(*)::int as n from pg_policy where polname like '%\\_citus' escape '\\'`,
    );
    expect(row?.n).toBe(0);
  });

  it.runIf(isCitus)('a second run distributes nothing and keeps every table, with progress lines', async () => {
    const lines: string[] = [];
    const again = await distribute(t.db, { log: (line) => lines.push(line) });
    expect(again.distributed).toEqual([]);
    expect(again.reference).toEqual([]);
    expect(again.kept.sort()).toEqual([...tenantTables(), ...globalTables()].map((x) => x.name).sort());
    expect(lines.length).toBeGreaterThan(0);
  });

  it.runIf(isCitus)(
    'distributes a populated database: rows and audit trail unchanged, triggers in their own state on the shards',
    async () => {
      const populated = await createTestDatabase({ migrated: false });
      try {
        const { db } = populated;
        await migrate(db);
        await seedSampleData(db, () => {});
        // A trigger the user disabled stays disabled.
        await db.rawQuery('ALTER TABLE connectors DISABLE TRIGGER enforce_max_connectors');
        const count = async () =>
          (
            await db.rawQuery<{ audit: number; messages: number; connectors: number }>(
              `select (select count(*) from audit_logs)::int as audit, (select count(*) from messages)::int as messages,
                      (select count(*) from connectors)::int as connectors`,
            )
          )[0];
        const before = await count();
        expect(before?.messages).toBeGreaterThan(0);
        const result = await distribute(db, { shardCount: 4 });
        expect(result.distributed.length).toBe(tenantTables().length);
        expect(await count()).toEqual(before);
        const states = await db.rawQuery<{ result: string }>(
          `select result from run_command_on_shards('connectors',
             $$select string_agg(regexp_replace(tgname, '_[0-9]+$', '') || ':' || tgenabled::text, ',' order by tgname)
               from pg_trigger where tgrelid = '%s'::regclass and not tgisinternal$$)`,
        );
        expect(new Set(states.map((s) => s.result))).toEqual(
          new Set(['audit_row:O,enforce_max_connectors:D,touch_updated_at:O']),
        );
        // Writes after distribution are audited again, under the logical table name.
        const [tenant] = await db.rawQuery<{ id: string }>(`select id from tenants order by slug limit 1`);
        await withTenantContext(db, { tenantId: tenant?.id as string }, (tx) =>
          tx.insert(connectors).values({ name: 'after distribute', provider: 'webhook' }),
        );
        const after = await count();
        expect(after?.connectors).toBe((before?.connectors ?? 0) + 1);
        expect(after?.audit).toBe((before?.audit ?? 0) + 1);
        const [entry] = await db.rawQuery<{ resource: string }>(
          `select resource from audit_logs where tenant_id = $1 order by created_at desc limit 1`,
          [tenant?.id],
        );
        expect(entry?.resource).toBe('connectors');
      } finally {
        await populated.dispose();
      }
    },
  );
});
