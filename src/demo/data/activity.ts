/**
 * What the application records for a sample tenant over the last weeks — agent results, analytics
 * snapshots and events, usage, cost events, dashboard insights — generated
 * from the tenant's spec with a seeded generator (the same numbers every run). Plain data in the
 * shape of the module inputs; the seeders hand it to the modules.
 */
import type { AnalyticsSnapshotInput } from '../../analytics/index.ts';
import type { CostEventInput, CostService } from '../../billing/index.ts';
import type { AgentResultInput } from '../../tasks/index.ts';
import type { UsageSnapshotInput } from '../../usage/index.ts';
import { between, cents, dateString, daysAgo, daysFromNow, prng, usd } from './helpers.ts';
import type { Persona, SampleTenantSpec } from './spec.ts';

/** The admin's rows the activity refers to. */
export interface ActivityInputs {
  /** Connector id by provider. */
  connectors: Map<string, string>;
  conversations: { id: string; costMicros: number[]; tokens: number[]; at: Date }[];
  tasks: { id: string; status: string; moduleSlug: string | null; agent: Persona; type: string }[];
}

export interface AnalyticsEventSample {
  eventType: string;
  eventName: string;
  source: string;
  sourceId: string | null;
  properties: Record<string, unknown>;
  occurredAt: Date;
}

export interface InsightSample {
  moduleSlug: string;
  severity: 'info' | 'warning' | 'critical';
  summary: string;
  highlights: string[];
  actionItems: { items: { title: string; priority?: 'low' | 'medium' | 'high' | 'critical'; dueDate?: string }[] };
  score: string;
  metadata: Record<string, unknown>;
}

export interface SampleActivity {
  agentResults: AgentResultInput[];
  analyticsSnapshots: (AnalyticsSnapshotInput & { sourceBreakdown: Record<string, number> })[];
  analyticsEvents: AnalyticsEventSample[];
  usage: UsageSnapshotInput[];
  costs: CostEventInput[];
  insights: InsightSample[];
}

const PROVIDER: Record<CostService, string> = {
  llm: 'anthropic',
  embedding: 'voyage',
  vision: 'openai',
  voice_stt: 'deepgram',
  voice_tts: 'elevenlabs',
  livekit: 'livekit',
};

/** The tenant's activity. The draws happen in a fixed order, so the numbers never change. */
export function sampleActivity(spec: SampleTenantSpec, made: ActivityInputs): SampleActivity {
  const rand = prng(`${spec.slug}:activity`);
  const int = (lo: number, hi: number) => between(rand, lo, hi);
  const ga = made.connectors.get('google-analytics') ?? null;

  // Agent results for every task that ran.
  const agentResults = made.tasks
    .filter((t) => t.status === 'completed' || t.status === 'failed')
    .map((t): AgentResultInput => {
      const tokens = t.status === 'failed' ? 0 : int(800, 4000);
      return {
        taskId: t.id,
        agent: t.agent,
        status: t.status === 'failed' ? 'failure' : 'success',
        summary:
          t.status === 'failed'
            ? 'Could not sync: the provider rejected the stored credentials.'
            : t.type === 'connector.sync'
              ? 'Synced 7 days of sessions, users and conversions.'
              : `Generated ${t.moduleSlug} insights for the last 7 days.`,
        output: t.status === 'failed' ? { error: 'unauthorized', retryable: false } : { records: int(50, 900) },
        tokensUsed: tokens,
        costUsd: usd(tokens * 9),
      };
    });

  // Daily analytics snapshots from the Google Analytics connector, oldest first.
  const baseSessions = Math.round(700 * spec.scale);
  const analyticsSnapshots = Array.from({ length: 14 }, (_, i) => {
    const day = 14 - i;
    const date = dateString(daysAgo(day));
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const trend = 1 + (14 - day) * 0.01;
    const sessions = Math.round(baseSessions * trend * (weekend ? 0.6 : 1) * (0.9 + rand() * 0.2));
    const conversions = Math.round(sessions * (0.018 + rand() * 0.012));
    const organic = Math.round(sessions * 0.46);
    const paid = Math.round(sessions * 0.22);
    const referral = Math.round(sessions * 0.09);
    return {
      connectorId: ga,
      date,
      sessions,
      users: Math.round(sessions * 0.72),
      conversions,
      revenue: cents(conversions * int(4_000, 12_000)),
      sourceBreakdown: { organic, paid, referral, direct: sessions - organic - paid - referral },
      metadata: { source: 'google-analytics', sampled: false },
    };
  });

  // Product events over the same 14 days.
  const eventTypes = [
    ['page_view', 'web', 6],
    ['widget_opened', 'widget', 2],
    ['chat_started', 'app', 2],
    ['signup', 'web', 1],
    ['checkout_completed', 'stripe', 1],
    ['connector_synced', 'connector', 1],
  ] as const;
  const analyticsEvents: AnalyticsEventSample[] = [];
  for (let day = 13; day >= 0; day--) {
    for (const [name, source, weight] of eventTypes) {
      const n = Math.round(weight * spec.scale * (0.5 + rand()));
      for (let k = 0; k < n; k++) {
        const occurredAt = new Date(daysAgo(day).getTime() - int(0, 20 * 3600) * 1000);
        analyticsEvents.push({
          eventType: name === 'page_view' || name === 'widget_opened' ? 'engagement' : 'conversion',
          eventName: name,
          source,
          sourceId:
            (name === 'connector_synced' ? ga : name === 'checkout_completed' ? made.connectors.get('stripe') : null) ??
            null,
          properties:
            name === 'page_view'
              ? { path: ['/', '/pricing', '/docs', '/blog', '/contact'][int(0, 4)], referrer: 'google' }
              : name === 'checkout_completed'
                ? { amountCents: int(2_000, 25_000), currency: 'usd' }
                : {},
          occurredAt,
        });
      }
    }
  }

  // Daily usage (API calls, tokens, storage), oldest first.
  const usage = Array.from({ length: 14 }, (_, i) => {
    const day = 14 - i;
    return {
      date: dateString(daysAgo(day)),
      apiCalls: Math.round(int(800, 1400) * spec.scale),
      tokensUsed: Math.round(int(90_000, 220_000) * spec.scale),
      storageBytes: Math.round((40 + i * 0.8) * 1024 * 1024 * spec.scale),
      metadata: { widgetSessions: Math.round(int(20, 60) * spec.scale) },
    };
  });

  // Cost events over the last 30 days: each assistant answer, plus background usage.
  const spend: {
    service: CostService;
    micros: number;
    tokens: number | null;
    at: Date;
    conversationId: string | null;
    model?: string;
  }[] = [];
  for (const c of made.conversations) {
    c.costMicros.forEach((micros, i) =>
      spend.push({
        service: 'llm',
        micros,
        tokens: c.tokens[i] ?? null,
        at: new Date(c.at.getTime() + (i + 1) * 45_000),
        conversationId: c.id,
        model: 'claude-sonnet-4',
      }),
    );
  }
  const perDay: [CostService, number, number, number][] = [
    // service, events per day (at scale 1), min and max micro-dollars per event
    ['llm', 4, 20_000, 90_000],
    ['embedding', 2, 200, 3_000],
    ['vision', 0.5, 8_000, 40_000],
    ['voice_stt', 0.5, 15_000, 60_000],
    ['voice_tts', 0.5, 20_000, 80_000],
    ['livekit', 0.3, 60_000, 240_000],
  ];
  for (let day = 29; day >= 0; day--) {
    for (const [service, perDayCount, lo, hi] of perDay) {
      const n = Math.floor(perDayCount * spec.scale + rand());
      for (let k = 0; k < n; k++) {
        const micros = int(lo, hi);
        spend.push({
          service,
          micros,
          tokens: service === 'llm' ? Math.round(micros / 9) : service === 'embedding' ? Math.round(micros * 10) : null,
          at: new Date(daysAgo(day).getTime() - int(60, 20 * 3600) * 1000),
          conversationId: null,
          ...(service === 'llm' ? { model: 'claude-sonnet-4' } : {}),
        });
      }
    }
  }
  const costs = spend.map((c): CostEventInput => ({
    conversationId: c.conversationId,
    service: c.service,
    provider: PROVIDER[c.service],
    tokensUsed: c.tokens,
    costUsd: usd(c.micros),
    metadata: {
      ...(c.model ? { model: c.model } : {}),
      operation: c.service === 'livekit' ? 'room_minutes' : c.service === 'embedding' ? 'embed' : 'generate',
      ...(c.service === 'voice_stt' || c.service === 'livekit' ? { duration: int(30, 1800) } : {}),
    },
    occurredAt: c.at,
  }));

  // Dashboard insights, computed from the data above.
  const spentMicros = spend.reduce((sum, c) => sum + c.micros, 0);
  const budgetShare = (spentMicros / (spec.monthlyBudgetUsd * 1_000_000)) * 100;
  const lastWeek = analyticsSnapshots.slice(-7).reduce((s, r) => s + r.sessions, 0);
  const weekBefore = analyticsSnapshots.slice(0, 7).reduce((s, r) => s + r.sessions, 0);
  const growth = ((lastWeek - weekBefore) / weekBefore) * 100;
  const latest = analyticsSnapshots.at(-1)!;
  const insights: InsightSample[] = [
    {
      moduleSlug: 'growth-pulse',
      severity: growth < 0 ? 'warning' : 'info',
      summary: `Sessions ${growth < 0 ? 'down' : 'up'} ${Math.abs(growth).toFixed(1)}% week over week (${lastWeek.toLocaleString('en-US')} sessions).`,
      highlights: [
        `Organic search brings ${Math.round((latest.sourceBreakdown.organic! / latest.sessions) * 100)}% of sessions`,
        'Weekend traffic runs about 40% below weekdays',
      ],
      actionItems: {
        items: [
          { title: 'Refresh the pricing page hero copy', priority: 'medium' },
          { title: 'Double the budget of the best paid campaign for one week', priority: 'low' },
        ],
      },
      score: Math.min(99, Math.max(1, 50 + growth * 2)).toFixed(2),
      metadata: { window: 'last_7_days', connector: 'google-analytics' },
    },
    {
      moduleSlug: 'churn-watch',
      severity: 'warning',
      summary: `${int(2, 6)} customers used the product less than half as much as last month.`,
      highlights: ['Usage drops cluster in the second month after signup'],
      actionItems: {
        items: [
          {
            title: 'Schedule check-in calls with the at-risk accounts',
            priority: 'high',
            dueDate: dateString(daysFromNow(5)),
          },
        ],
      },
      score: (int(5500, 8000) / 100).toFixed(2),
      metadata: { window: 'last_30_days' },
    },
    {
      moduleSlug: 'cost-guard',
      severity: budgetShare >= 100 ? 'critical' : budgetShare >= 80 ? 'warning' : 'info',
      summary: `AI spend is ${budgetShare.toFixed(0)}% of the $${spec.monthlyBudgetUsd} monthly budget (${usd(spentMicros).slice(0, -4)} USD over 30 days).`,
      highlights: ['Language model calls are the largest cost line'],
      actionItems: { items: [{ title: 'Route short answers to a smaller model', priority: 'medium' }] },
      score: Math.min(100, budgetShare).toFixed(2),
      metadata: { budgetUsd: spec.monthlyBudgetUsd },
    },
  ];

  return { agentResults, analyticsSnapshots, analyticsEvents, usage, costs, insights };
}
