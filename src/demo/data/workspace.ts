/** What each sample tenant's admin sets up: a custom role, API keys, the task history, chunk sizes. */
import { daysAgo, daysFromNow, hoursAgo } from './helpers.ts';
import type { Persona, SampleTenantSpec } from './spec.ts';

/** The custom role every sample tenant gets, held by its `analyst`. */
export const ANALYST_ROLE = {
  name: 'analyst',
  description: 'Read-only analytics, costs and knowledge',
  permissions: ['analytics:read', 'billing:read', 'conversations:read', 'knowledge:read'],
};

/** API keys with a history: one in use, one expiring, one revoked. */
export function sampleApiKeys(): {
  name: string;
  scopes: string[];
  lastUsedAt?: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}[] {
  return [
    { name: 'Production backend', scopes: ['conversations:write', 'knowledge:read'], lastUsedAt: hoursAgo(2) },
    { name: 'BI export', scopes: ['analytics:read'], expiresAt: daysFromNow(90), lastUsedAt: hoursAgo(20) },
    { name: 'Old staging key', scopes: ['conversations:write'], revokedAt: daysAgo(12) },
  ];
}

/** Knowledge chunking of the sample documents: short chunks, so each document has several. */
export const CHUNKING = { size: 60, overlap: 12 } as const;

export interface SampleTaskSpec {
  type: string;
  moduleSlug: string | null;
  provider: string | null;
  status: 'completed' | 'pending' | 'failed';
  agent: Persona;
  /** Days ago it ran (negative: days from now it is due). */
  at: number;
}

/** The task history: syncs and insights that ran, a weekly report due, a sync that failed. */
export function sampleTasks(spec: SampleTenantSpec): SampleTaskSpec[] {
  return [
    {
      type: 'connector.sync',
      moduleSlug: 'growth-pulse',
      provider: 'google-analytics',
      status: 'completed',
      agent: 'cmo',
      at: 1,
    },
    { type: 'insight.generate', moduleSlug: 'growth-pulse', provider: null, status: 'completed', agent: 'cmo', at: 1 },
    {
      type: 'insight.generate',
      moduleSlug: 'churn-watch',
      provider: 'stripe',
      status: 'completed',
      agent: 'cfo',
      at: 2,
    },
    { type: 'report.weekly', moduleSlug: 'exec-brief', provider: 'slack', status: 'pending', agent: 'ceo', at: -2 },
    {
      type: 'connector.sync',
      moduleSlug: null,
      provider: spec.connectors.find((c) => c.status === 'ERROR')?.provider ?? 'google-analytics',
      status: 'failed',
      agent: 'cto',
      at: 3,
    },
  ];
}
