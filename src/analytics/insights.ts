/** Module insights: what the dashboard modules (growth-pulse, churn-watch, …) found, listed newest first. */
import { and, eq, getTableColumns } from 'drizzle-orm';
import { insightSeverity } from '../schema/enums.ts';
import { moduleInsights } from '../schema/analytics.ts';
import { keyset, requireTenantScope, validateValues, type KeysetResult, type TenantScope } from '../tenancy/index.ts';
import { checkDay, checkJsonObject, checkText, fail, isPlainObject } from './check.ts';

export type ModuleInsight = typeof moduleInsights.$inferSelect;
export type InsightSeverity = ModuleInsight['severity'];

export interface InsightActionItem {
  /** What to do: 1–200 characters. */
  title: string;
  /** `'low'`, `'medium'`, `'high'` or `'critical'`. */
  priority?: 'low' | 'medium' | 'high' | 'critical';
  /** `YYYY-MM-DD`. */
  dueDate?: string;
}

export interface InsightInput {
  /** The module that produced it, a lowercase slug (`'growth-pulse'`). */
  moduleSlug: string;
  /** Default 'info'. */
  severity?: InsightSeverity;
  /** 1–2,000 characters. */
  summary: string;
  /** At most 50 highlights of 1–500 characters. */
  highlights?: string[];
  /** At most 50 action items. */
  actionItems?: { items: InsightActionItem[] };
  /** 0–100 with at most 2 decimals, as a decimal string (`'72.50'`): never a float. */
  score?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface ListInsightsOptions {
  /** Only this module's insights. */
  module?: string;
  /** Only insights of this severity. */
  severity?: InsightSeverity;
  /** Insights per page, 1–500. Default 50. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | null;
}

const SEVERITIES: readonly string[] = insightSeverity.enumValues;
const PRIORITIES: readonly string[] = ['low', 'medium', 'high', 'critical'];
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SCORE = /^(\d{1,3})(?:\.(\d{1,2}))?$/;
const MAX_ITEMS = 50;

function checkSlug(fn: string, label: string, value: unknown): string {
  if (typeof value !== 'string' || value.length > 64 || !SLUG.test(value)) {
    fail(
      fn,
      `${label} must be a lowercase slug of letters, digits and dashes, at most 64 characters (got ${JSON.stringify(value) ?? String(value)}).`,
    );
  }
  return value;
}

function checkSeverity(fn: string, value: unknown): InsightSeverity {
  if (typeof value !== 'string' || !SEVERITIES.includes(value)) {
    fail(fn, `severity must be one of ${SEVERITIES.join(', ')} (got ${String(value)}).`);
  }
  return value as InsightSeverity;
}

function checkScore(fn: string, value: unknown): string | null {
  if (value == null) return null;
  const match = typeof value === 'string' ? SCORE.exec(value) : null;
  if (!match || Number(value) > 100) {
    fail(
      fn,
      `score must be a decimal string from 0 to 100 with at most 2 decimals, e.g. '72.50' (got ${typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`}); never a float.`,
    );
  }
  return value as string;
}

function checkActionItems(fn: string, value: unknown): { items: InsightActionItem[] } {
  if (value === undefined) return { items: [] };
  if (!isPlainObject(value) || !Array.isArray(value.items))
    fail(fn, 'actionItems must be { items: [{ title, priority?, dueDate? }] }.');
  const items = value.items as unknown[];
  if (items.length > MAX_ITEMS) fail(fn, `actionItems.items has ${items.length} items, more than ${MAX_ITEMS}.`);
  return {
    items: items.map((item, i) => {
      const at = `actionItems.items[${i}]`;
      if (!isPlainObject(item)) fail(fn, `${at} must be { title, priority?, dueDate? }.`);
      const extra = Object.keys(item).filter((k) => !['title', 'priority', 'dueDate'].includes(k));
      if (extra.length > 0)
        fail(fn, `${at} has unknown fields (${extra.join(', ')}): only title, priority and dueDate.`);
      const out: InsightActionItem = { title: checkText(fn, `${at}.title`, item.title, 200) };
      if (item.priority !== undefined) {
        if (typeof item.priority !== 'string' || !PRIORITIES.includes(item.priority)) {
          fail(fn, `${at}.priority must be one of ${PRIORITIES.join(', ')} (got ${String(item.priority)}).`);
        }
        out.priority = item.priority as InsightActionItem['priority'];
      }
      if (item.dueDate !== undefined) out.dueDate = checkDay(fn, `${at}.dueDate`, item.dueDate);
      return out;
    }),
  };
}

/**
 * Records an insight of one of the tenant's dashboard modules and returns its row. INVALID_INPUT
 * before any SQL for a module slug that is not a lowercase slug, an unknown severity, an empty or
 * oversize summary, bad highlights or action items, or a score that is not a decimal string in
 * 0–100 with at most 2 decimals (numeric(5,2): `'72.50'`, never 72.5).
 *
 * @example
 * const insight = await createInsight(tenant, {
 *   moduleSlug: 'growth-pulse', severity: 'warning', summary: 'Traffic declined 15% this week',
 *   highlights: ['Organic traffic down 20%'], actionItems: { items: [{ title: 'Investigate SEO changes', priority: 'high' }] },
 *   score: '72.50',
 * });
 */
export async function createInsight(scope: TenantScope, input: InsightInput): Promise<ModuleInsight> {
  const fn = 'createInsight';
  const tenant = requireTenantScope(scope, fn);
  if (!isPlainObject(input))
    fail(fn, 'pass { moduleSlug, summary, severity?, highlights?, actionItems?, score?, metadata? }.');
  const highlights = input.highlights ?? [];
  if (!Array.isArray(highlights) || highlights.length > MAX_ITEMS) {
    fail(fn, `highlights must be an array of at most ${MAX_ITEMS} strings.`);
  }
  const row = {
    tenantId: tenant.context.tenantId,
    moduleSlug: checkSlug(fn, 'moduleSlug', input.moduleSlug),
    severity: checkSeverity(fn, input.severity ?? 'info'),
    summary: checkText(fn, 'summary', input.summary, 2000),
    highlights: highlights.map((h, i) => checkText(fn, `highlights[${i}]`, h, 500)),
    actionItems: checkActionItems(fn, input.actionItems),
    score: checkScore(fn, input.score),
    metadata: checkJsonObject(fn, 'metadata', input.metadata, null),
  };
  validateValues('module_insights', row);
  const [created] = await tenant.transaction((tx) => tx.insert(moduleInsights).values(row).returning());
  if (!created) throw new Error('createInsight: the insert returned no row');
  return created;
}

/**
 * The tenant's insights, newest first, a page at a time (keyset on `(created_at, id)`: insights
 * recorded meanwhile never shift a page), optionally of one module and one severity. Resolves to
 * `{ items, nextCursor }`; pass `nextCursor` back for the next page (null on the last).
 * INVALID_INPUT before any SQL for a bad module slug, severity or limit, and for a cursor that
 * was altered or issued for another list or tenant.
 *
 * @example
 * const first = await listInsights(tenant, { module: 'growth-pulse', limit: 20 });
 * const second = await listInsights(tenant, { module: 'growth-pulse', limit: 20, cursor: first.nextCursor });
 */
export async function listInsights(
  scope: TenantScope,
  options: ListInsightsOptions = {},
): Promise<KeysetResult<ModuleInsight>> {
  const fn = 'listInsights';
  const tenant = requireTenantScope(scope, fn);
  if (!isPlainObject(options as unknown)) fail(fn, 'pass { module?, severity?, limit?, cursor? }.');
  const module = options.module === undefined ? undefined : checkSlug(fn, 'module', options.module);
  const severity = options.severity === undefined ? undefined : checkSeverity(fn, options.severity);
  const { tenantId } = tenant.context;
  const page = keyset(moduleInsights, {
    list: 'module_insights',
    tenantId,
    cursor: options.cursor,
    limit: options.limit,
    fn,
  });
  const rows = await tenant.transaction((tx) =>
    tx
      .select({ ...getTableColumns(moduleInsights), ...page.select })
      .from(moduleInsights)
      .where(
        and(
          eq(moduleInsights.tenantId, tenantId),
          module === undefined ? undefined : eq(moduleInsights.moduleSlug, module),
          severity === undefined ? undefined : eq(moduleInsights.severity, severity),
          page.where,
        ),
      )
      .orderBy(...page.orderBy)
      .limit(page.fetch),
  );
  return page.result(rows);
}
