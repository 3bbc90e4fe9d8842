/** addMember: an unknown tenant is TENANT_NOT_FOUND, and nothing (not even the user) is written. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../../src/index.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/backend.ts';
import { codeOf, systemOf } from '../helpers/tenants.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.dispose());

describe(`addMember (${backend})`, () => {
  it('refuses a tenant that does not exist with TENANT_NOT_FOUND, writing nothing', async () => {
    const email = `ghost-${randomUUID().slice(0, 8)}@example.test`;
    expect(await codeOf(addMember(systemOf(t.db), randomUUID(), { email }))).toBe('TENANT_NOT_FOUND');
    const rows = await t.db.rawQuery<{ n: number }>('select count(*)::int as n from users where email = $1', [email]);
    expect(rows[0]?.n).toBe(0);
  });
});
