/**
 * createInsight (checked before any SQL, score an exact numeric(5,2) string) and listInsights
 * (newest first through the keyset helper: pages over ties of one statement, filters, cursors
 * bound to the list and the tenant).
 */
import { getTableColumns, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInsight, listInsights, type InsightInput, type ModuleInsight } from '../../src/analytics/index.ts';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { moduleInsights } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';
import { countingScope, countRows } from './helpers.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Insights A');
  b = await ownerContext(db, 'Insights B');
});
afterAll(async () => {
  await t?.dispose();
});

async function everyPage(
  ctx: TenantContext,
  options: { module?: string; severity?: 'info' | 'warning' | 'critical'; limit: number },
) {
  const items: ModuleInsight[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await listInsights(tenantOf(db, ctx), { ...options, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 50);
  return { items, pages };
}

describe('createInsight', () => {
  it('records an insight with its highlights, action items and exact score', async () => {
    const insight = await createInsight(tenantOf(db, a), {
      moduleSlug: 'growth-pulse',
      severity: 'warning',
      summary: 'Traffic declined 15% this week',
      highlights: ['Organic traffic down 20%', 'Paid traffic stable'],
      actionItems: {
        items: [
          { title: 'Investigate SEO changes', priority: 'high', dueDate: '2024-11-07' },
          { title: 'Review content strategy', priority: 'medium' },
        ],
      },
      score: '72.50',
      metadata: { window: '7d' },
    });
    expect(insight).toMatchObject({
      tenantId: a.tenantId,
      moduleSlug: 'growth-pulse',
      severity: 'warning',
      highlights: ['Organic traffic down 20%', 'Paid traffic stable'],
      actionItems: {
        items: [
          { title: 'Investigate SEO changes', priority: 'high', dueDate: '2024-11-07' },
          { title: 'Review content strategy', priority: 'medium' },
        ],
      },
      score: '72.50',
      metadata: { window: '7d' },
    });
    const plain = await tenantOf(db, a).analytics.createInsight({
      moduleSlug: 'churn-watch',
      summary: 'All quiet',
      score: '100',
    });
    expect([plain.severity, plain.highlights, plain.actionItems, plain.score, plain.metadata]).toEqual([
      'info',
      [],
      { items: [] },
      '100.00',
      null,
    ]);
  });

  it('refuses bad input with INVALID_INPUT before any SQL: nothing written', async () => {
    const ok: InsightInput = { moduleSlug: 'growth-pulse', summary: 'ok' };
    const bad: [string, unknown][] = [
      ['no slug', { summary: 'x' }],
      ['slug with capitals', { ...ok, moduleSlug: 'Growth-Pulse' }],
      ['slug with spaces', { ...ok, moduleSlug: 'growth pulse' }],
      ['slug too long', { ...ok, moduleSlug: 'a'.repeat(65) }],
      ['unknown severity', { ...ok, severity: 'urgent' }],
      ['empty summary', { ...ok, summary: ' ' }],
      ['summary too long', { ...ok, summary: 'x'.repeat(2001) }],
      ['highlights a string', { ...ok, highlights: 'x' }],
      ['empty highlight', { ...ok, highlights: [''] }],
      ['51 highlights', { ...ok, highlights: Array.from({ length: 51 }, () => 'x') }],
      ['action items an array', { ...ok, actionItems: [{ title: 'x' }] }],
      ['action item without title', { ...ok, actionItems: { items: [{ priority: 'high' }] } }],
      ['unknown priority', { ...ok, actionItems: { items: [{ title: 'x', priority: 'asap' }] } }],
      ['bad due date', { ...ok, actionItems: { items: [{ title: 'x', dueDate: '2024-13-01' }] } }],
      ['unknown action field', { ...ok, actionItems: { items: [{ title: 'x', owner: 'me' }] } }],
      ['float score', { ...ok, score: 72.5 }],
      ['score over 100', { ...ok, score: '100.01' }],
      ['score 3 decimals', { ...ok, score: '72.505' }],
      ['negative score', { ...ok, score: '-1' }],
      ['metadata array', { ...ok, metadata: [] }],
      ['NUL in summary', { ...ok, summary: 'a\u0000b' }],
      ['null', null],
    ];
    const before = await countRows(db, 'module_insights', a.tenantId);
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad) {
        expect(await codeOf(createInsight(scope, input as InsightInput)), label).toBe('INVALID_INPUT');
      }
      await tx.select().from(moduleInsights).limit(1);
    });
    expect(await countRows(db, 'module_insights', a.tenantId)).toBe(before);
    await expect(createInsight(tenantOf(db, a), { ...ok, score: 72.5 as never })).rejects.toThrow(
      /^createInsight: score must be a decimal string from 0 to 100/,
    );
    expect(await codeOf(createInsight(systemOf(db) as never, ok))).toBe('TENANT_CONTEXT_MISSING');
  });
});

describe('listInsights', () => {
  let c: TenantContext;
  /** C's insights in the database's own order: created_at desc, id desc. */
  let order: { id: string; moduleSlug: string; severity: string }[];

  beforeAll(async () => {
    c = await ownerContext(db, 'Insights C');
    await withTenantContext(db, c, async (tx) => {
      // Nine insights of one statement (one created_at: ties broken by id), and four 1 µs apart.
      await tx.insert(moduleInsights).values(
        Array.from({ length: 9 }, (_, i) => ({
          moduleSlug: i % 3 === 0 ? 'churn-watch' : 'growth-pulse',
          severity: i % 2 === 0 ? ('warning' as const) : ('info' as const),
          summary: `batch ${i}`,
        })),
      );
      for (const us of ['001', '002', '002', '003']) {
        await tx.insert(moduleInsights).values({
          moduleSlug: 'growth-pulse',
          severity: 'critical',
          summary: `micro ${us}`,
          createdAt: sql`${`2025-01-01T00:00:00.000${us}Z`}::timestamptz`,
        });
      }
      order = await tx
        .select({ id: moduleInsights.id, moduleSlug: moduleInsights.moduleSlug, severity: moduleInsights.severity })
        .from(moduleInsights)
        .orderBy(sql`${moduleInsights.createdAt} desc, ${moduleInsights.id} desc`);
    });
    // B's insights, at the same time: never listed for C.
    await createInsight(tenantOf(db, b), { moduleSlug: 'growth-pulse', severity: 'critical', summary: 'B secret' });
  });

  it('pages newest first over ties, more than one page, nothing skipped or repeated', async () => {
    expect(order).toHaveLength(13);
    for (const limit of [1, 2, 4, 5, 12]) {
      const { items, pages } = await everyPage(c, { limit });
      expect(
        items.map((i) => i.id),
        `limit ${limit}`,
      ).toEqual(order.map((o) => o.id));
      expect(pages).toBe(Math.ceil(13 / limit));
    }
    const all = await listInsights(tenantOf(db, c));
    expect(all.items).toHaveLength(13);
    expect(all.nextCursor).toBeNull();
    // The table's columns, without the helper's cursor column.
    expect(Object.keys(all.items[0] ?? {}).sort()).toEqual(Object.keys(getTableColumns(moduleInsights)).sort());
  });

  it('filters by module and severity, each page one statement', async () => {
    const growth = await everyPage(c, { module: 'growth-pulse', limit: 3 });
    expect(growth.items.map((i) => i.id)).toEqual(
      order.filter((o) => o.moduleSlug === 'growth-pulse').map((o) => o.id),
    );
    const critical = await everyPage(c, { module: 'growth-pulse', severity: 'critical', limit: 3 });
    expect(critical.items.map((i) => i.summary)).toEqual(['micro 003', 'micro 002', 'micro 002', 'micro 001']);
    const warnings = await everyPage(c, { severity: 'warning', limit: 2 });
    expect(warnings.items.map((i) => i.id)).toEqual(order.filter((o) => o.severity === 'warning').map((o) => o.id));
    await withTenantContext(db, c, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      const first = await listInsights(counted, { limit: 5 });
      await listInsights(counted, { limit: 5, cursor: first.nextCursor });
      expect(statements()).toBe(2);
    });
  });

  it("never lists another tenant's insights, and refuses a cursor of another tenant or a bad one", async () => {
    const { items } = await everyPage(c, { limit: 500 });
    expect(items.every((i) => i.tenantId === c.tenantId)).toBe(true);
    expect(items.some((i) => i.summary === 'B secret')).toBe(false);
    const { nextCursor } = await listInsights(tenantOf(db, c), { limit: 2 });
    expect(nextCursor).not.toBeNull();
    expect(await codeOf(listInsights(tenantOf(db, b), { cursor: nextCursor }))).toBe('INVALID_INPUT');
    await expect(listInsights(tenantOf(db, c), { cursor: `${nextCursor}x` })).rejects.toThrow(/^listInsights: cursor/);
    const bad: unknown[] = [
      { limit: 0 },
      { limit: 501 },
      { limit: '5' },
      { module: 'Growth' },
      { severity: 'urgent' },
      { cursor: 'abc' },
      { cursor: 5 },
    ];
    for (const options of bad) {
      expect(await codeOf(listInsights(tenantOf(db, c), options as never)), JSON.stringify(options)).toBe(
        'INVALID_INPUT',
      );
    }
    expect(await codeOf(listInsights(systemOf(db) as never))).toBe('TENANT_CONTEXT_MISSING');
  });
});
