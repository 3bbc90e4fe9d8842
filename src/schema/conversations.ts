import { index, integer, jsonb, numeric, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantReference, tenantTable } from '../tenancy/tenant-table.ts';
import { conversationMode, messageRole, persona } from './enums.ts';
import { users } from './identity.ts';

/** A chat with one of the AI personas (CEO, CFO, CMO, CTO or a custom one), as text or a meeting. */
export const conversations = tenantTable(
  'conversations',
  {
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    title: text('title'),
    persona: persona('persona').notNull().default('ceo'),
    mode: conversationMode('mode').notNull().default('text'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    totalCostUsd: numeric('total_cost_usd', { precision: 14, scale: 6 }).notNull().default('0'),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
  },
  {
    extra: (t) => [index('conversations_tenant_created_idx').on(t.tenantId, t.createdAt, t.id)],
  },
);

export interface MessageAttachment {
  type: 'image' | 'file';
  url: string;
  name?: string;
  size?: number;
}

export const messages = tenantTable(
  'messages',
  {
    conversationId: uuid('conversation_id').notNull(),
    role: messageRole('role').notNull(),
    content: text('content').notNull(),
    attachments: jsonb('attachments').$type<MessageAttachment[]>(),
    metadata: jsonb('metadata').$type<{ model?: string; latencyMs?: number }>().notNull().default({}),
    tokensUsed: integer('tokens_used'),
    costUsd: numeric('cost_usd', { precision: 14, scale: 6 }),
  },
  {
    parents: ['conversations'],
    extra: (t) => [
      tenantReference(t, t.conversationId, conversations),
      // Keyset pagination of a conversation on (created_at, id).
      index('messages_conversation_created_idx').on(t.tenantId, t.conversationId, t.createdAt, t.id),
    ],
  },
);
