/**
 * `distribute()` (tenantdb distribute): refused with a typed error where there is no Citus; on
 * Citus, idempotent — a second run distributes nothing and keeps every table as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distribute, tenantTables, globalTables } from '../src/index.ts';
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
});
