/** checkBudget: alerts at 50/80/100% of the monthly budget, from the spend the database sums, raised once. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBudget, recordCosts } from '../../src/billing/index.ts';
import { addMember, withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { budgetAlerts, tenants } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
const since = new Date('2025-06-01T00:00:00Z');
const inJune = new Date('2025-06-10T12:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

async function tenantWithBudget(label: string, budget: string | null): Promise<TenantContext> {
  const context = await ownerContext(db, label);
  await withSystemContext(
    db,
    (tx) => tx.update(tenants).set({ maxMonthlySpend: budget }).where(eq(tenants.id, context.tenantId)),
    { reason: 'test: set budget' },
  );
  return context;
}

const spend = (context: TenantContext, costUsd: string, occurredAt = inJune) =>
  recordCosts(tenantOf(db, context), [{ service: 'llm', costUsd, occurredAt }]);

const storedAlerts = (tenantId: string) =>
  withSystemContext(db, (tx) => tx.select().from(budgetAlerts).where(eq(budgetAlerts.tenantId, tenantId)), {
    reason: 'test: read budget alerts',
  });

describe('checkBudget', () => {
  it('raises one alert per threshold crossed, from the exact spend, and each only once', async () => {
    const a = await tenantWithBudget('Budget A', '10.00');
    await spend(a, '4.250000');
    await spend(a, '4.250000');
    // Before the window: not counted.
    await spend(a, '50.000000', new Date('2025-05-31T23:59:59Z'));
    const raised = await checkBudget(tenantOf(db, a), {
      since,
      notify: { recipients: ['billing@a.test'], channels: ['email'] },
    });
    expect(raised.map((r) => [r.threshold, r.currentSpend, r.severity, r.period])).toEqual([
      ['5.00', '8.500000', 'warning', 'monthly'],
      ['8.00', '8.500000', 'warning', 'monthly'],
    ]);
    expect(raised[0]?.metadata).toEqual({ recipients: ['billing@a.test'], channels: ['email'] });
    expect(raised.every((r) => r.tenantId === a.tenantId && !r.resolved)).toBe(true);
    // Again: nothing new. Crossing 100% raises only the critical one.
    expect(await checkBudget(tenantOf(db, a), { since })).toEqual([]);
    await spend(a, '1.500000');
    const over = await checkBudget(tenantOf(db, a), { since });
    expect(over.map((r) => [r.threshold, r.currentSpend, r.severity])).toEqual([['10.00', '10.000000', 'critical']]);
    expect(await storedAlerts(a.tenantId)).toHaveLength(3);
  });

  it('rounds thresholds to the cent in bigint, and takes custom thresholds', async () => {
    const a = await tenantWithBudget('Budget odd', '0.99');
    await spend(a, '0.330000');
    // 33% of 0.99 is 0.3267 → 0.33 (crossed); 34% is 0.3366 → 0.34 (not crossed).
    const raised = await checkBudget(tenantOf(db, a), { since, thresholds: [34, 33] });
    expect(raised.map((r) => r.threshold)).toEqual(['0.33']);
  });

  it('raises nothing for a tenant without a budget', async () => {
    const a = await tenantWithBudget('Budget none', null);
    await spend(a, '100.000000');
    expect(await checkBudget(tenantOf(db, a), { since })).toEqual([]);
  });

  it('refuses bad input before any SQL, and needs a tenant scope', async () => {
    const a = await tenantWithBudget('Budget input', '10.00');
    const bad: [string, unknown][] = [
      ['no since', {}],
      ['invalid since', { since: new Date('nope') }],
      ['fractional threshold', { since, thresholds: [50.5] }],
      ['zero threshold', { since, thresholds: [0] }],
      ['recipients not strings', { since, notify: { recipients: [1] } }],
    ];
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad)
        expect(await codeOf(checkBudget(scope, input as never)), label).toBe('INVALID_INPUT');
      await tx.select().from(budgetAlerts); // still usable: nothing reached the database
    });
    expect(await codeOf(checkBudget(systemOf(db) as never, { since }))).toBe('TENANT_CONTEXT_MISSING');
  });

  it('needs billing:manage when the scope has a user: a plain member is refused, the owner is not', async () => {
    const a = await tenantWithBudget('Budget rbac', '1.00');
    await spend(a, '2.000000');
    const memberId = await addMember(
      systemOf(db),
      a.tenantId,
      { email: `member-${a.tenantId}@example.test` },
      'member',
    );
    const member = { tenantId: a.tenantId, userId: memberId };
    expect(await codeOf(checkBudget(tenantOf(db, member), { since }))).toBe('PERMISSION_DENIED');
    expect(await storedAlerts(a.tenantId)).toEqual([]);
    expect(await checkBudget(tenantOf(db, a), { since })).toHaveLength(3);
  });

  it("joins the caller's transaction: rolled back with it", async () => {
    const a = await tenantWithBudget('Budget rollback', '1.00');
    await spend(a, '2.000000');
    const failed = withTenantContext(db, a, async (tx, scope) => {
      expect(await checkBudget(scope, { since })).toHaveLength(3);
      expect(await tx.select().from(budgetAlerts)).toHaveLength(3);
      throw new Error('caller fails after the check');
    });
    await expect(failed).rejects.toThrow('caller fails after the check');
    expect(await storedAlerts(a.tenantId)).toEqual([]);
  });

  it("tenant B's check counts only B's spend, and never sees A's alerts", async () => {
    const a = await tenantWithBudget('Budget iso A', '10.00');
    const b = await tenantWithBudget('Budget iso B', '10.00');
    await spend(a, '20.000000');
    // A's spend would cross all of B's thresholds too, were it counted.
    expect(await checkBudget(tenantOf(db, b), { since })).toEqual([]);
    expect(await checkBudget(tenantOf(db, a), { since })).toHaveLength(3);
    // A's unresolved alerts do not stop B's own: B raises its 50% once it spends.
    await spend(b, '5.000000');
    const raisedForB = await checkBudget(tenantOf(db, b), { since });
    expect(raisedForB.map((r) => [r.threshold, r.currentSpend])).toEqual([['5.00', '5.000000']]);
    expect(await tenantOf(db, b).tables.budgetAlerts.count()).toBe(1);
  });
});
