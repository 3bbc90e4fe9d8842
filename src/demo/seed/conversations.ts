/** Conversations: seed 002's, one from the website widget, one recorded in the meeting, with their messages. */
import { randomBytes } from 'node:crypto';
import type { conversations as conversationsTable } from '../../schema/conversations.ts';
import { messageUsage } from '../data/conversations.ts';
import { daysAgo, prng, usd } from '../data/helpers.ts';
import type { ActivityInputs } from '../data/activity.ts';
import type { Chat, SampleTenantSpec } from '../data/spec.ts';
import type { SeedScope } from './scope.ts';
import type { Workspace } from './workspace.ts';

type NewConversation = typeof conversationsTable.$inferInsert;

export async function seedConversations(
  scope: SeedScope,
  spec: SampleTenantSpec,
  adminId: string,
  workspace: Workspace,
): Promise<{ rows: number; conversations: ActivityInputs['conversations'] }> {
  const rand = prng(spec.slug);
  const { meeting, personalities } = workspace;
  const threads: { values: NewConversation; messages: Chat; at: Date }[] = [
    ...spec.conversations.map((c, i) => ({
      values: { persona: c.persona, title: c.title, userId: adminId, personalityId: personalities.get(c.persona) },
      messages: c.messages,
      at: daysAgo(6 - i),
    })),
    {
      values: {
        persona: 'cmo' as const,
        title: `Website visitor: ${spec.widget.chat[0]?.[1].slice(0, 40)}`,
        widgetId: workspace.widgetId,
        personalityId: personalities.get('cmo'),
        metadata: { channel: 'widget', visitorId: `v_${randomBytes(5).toString('hex')}`, host: spec.widget.hosts[0] },
      },
      messages: spec.widget.chat,
      at: daysAgo(1),
    },
    {
      values: {
        persona: 'ceo' as const,
        title: spec.meeting.title,
        mode: 'meeting' as const,
        userId: adminId,
        meetingId: meeting.id,
        personalityId: personalities.get('ceo'),
        endedAt: meeting.endedAt,
      },
      messages: spec.meeting.chat,
      at: meeting.startedAt,
    },
  ];
  let rows = 0;
  const conversations: ActivityInputs['conversations'] = [];
  for (const thread of threads) {
    // Model usage of each assistant answer (micro-dollars), which also becomes a cost event.
    const usage = messageUsage(thread.messages, rand);
    const answers = usage.filter((u) => u.micros > 0);
    // total_cost_usd is kept by the database from the conversation's cost events (seedBilling).
    const convo = await scope.tables.conversations.insert({ ...thread.values, createdAt: thread.at });
    rows += 1;
    if (thread.messages.length > 0) {
      const messages = await scope.tables.messages.insert(
        thread.messages.map(([role, content], i) => {
          const u = usage[i]!;
          return {
            conversationId: convo.id,
            role,
            content,
            tokensUsed: u.tokens,
            costUsd: role === 'assistant' ? usd(u.micros) : null,
            metadata: role === 'assistant' ? { model: 'claude-sonnet-4', latencyMs: u.latencyMs } : {},
            createdAt: new Date(thread.at.getTime() + i * 45_000),
          };
        }),
      );
      rows += messages.length;
    }
    conversations.push({
      id: convo.id,
      costMicros: answers.map((u) => u.micros),
      tokens: answers.map((u) => u.tokens),
      at: thread.at,
    });
  }
  return { rows, conversations };
}
