/** The shape of the sample data: one spec per sample organisation. Types only. */
import type { tenants } from '../../contract/tenants.ts';

export type Plan = (typeof tenants.$inferSelect)['plan'];
export type Persona = 'ceo' | 'cfo' | 'cmo' | 'cto';
export type MemberRole = 'owner' | 'admin' | 'member';
export type Chat = [role: 'user' | 'assistant' | 'system', content: string][];
export type ConnectorStatus = 'PENDING' | 'ACTIVE' | 'ERROR' | 'DISABLED';

/** One sample organisation: seed 002's people and conversations, and the rest of its data. */
export interface SampleTenantSpec {
  slug: string;
  name: string;
  plan: Plan;
  people: { name: string; email: string; role: MemberRole }[];
  conversations: { persona: Persona; title: string; messages: Chat }[];
  domain: string;
  /** Monthly AI budget (tenants.max_monthly_spend), in whole USD. */
  monthlyBudgetUsd: number;
  /** Daily AI budget in USD (a decimal string): alerts on a heavy day. */
  dailyBudgetUsd: string;
  /** The IANA time zone its days, weeks and months are counted in. */
  timeZone: string;
  /** Traffic and usage relative to a mid-size tenant. */
  scale: number;
  /** Who gets the custom 'analyst' role. */
  analyst: string;
  profile: { industry: string; size: string; description: string; goals: string[] };
  /** At most 5: the default max_connectors limit. */
  connectors: {
    name: string;
    provider: string;
    description: string;
    config: Record<string, unknown>;
    status: ConnectorStatus;
    syncError?: string;
  }[];
  widget: { name: string; greeting: string; primaryColor: string; hosts: string[]; chat: Chat };
  meeting: { title: string; description: string; chat: Chat };
  knowledge: { title: string; category: string; source: string; content: string }[];
  /** What the demo asks the tenant's knowledge (a hybrid search). */
  question: string;
}
