import { boolean, index, integer, jsonb, numeric, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantReference, tenantTable } from '../contract/tenant-table.ts';
import { conversationMode, messageRole, persona } from './enums.ts';
import { users } from './identity.ts';

/** An embeddable chat widget, allowed on the listed domains. */
export const widgets = tenantTable(
  'widgets',
  {
    name: text('name').notNull(),
    domainWhitelist: text('domain_whitelist').array().notNull().default([]),
    settings: jsonb('settings')
      .$type<{
        theme?: 'light' | 'dark' | 'auto';
        position?: 'bottom-right' | 'bottom-left';
        greeting?: string;
        primaryColor?: string;
        secondaryColor?: string;
      }>()
      .notNull()
      .default({}),
    isActive: boolean('is_active').notNull().default(true),
  },
  { audit: {} },
);

/** A live (LiveKit) meeting with the AI personas. */
export const meetings = tenantTable(
  'meetings',
  {
    roomName: text('room_name').notNull(),
    livekitRoomId: text('livekit_room_id').notNull(),
    // Nullable: the seed's `NOT NULL … ON DELETE SET NULL` cannot both hold.
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
    metadata: jsonb('metadata')
      .$type<{ title?: string; description?: string; participants?: string[] }>()
      .notNull()
      .default({}),
  },
  {
    extra: (t) => [
      uniqueIndex('meetings_tenant_room_name_key').on(t.tenantId, t.roomName),
      uniqueIndex('meetings_tenant_livekit_room_key').on(t.tenantId, t.livekitRoomId),
    ],
  },
);

/** A configured AI persona: prompt and model parameters. */
export const aiPersonalities = tenantTable(
  'ai_personalities',
  {
    name: text('name').notNull(),
    description: text('description'),
    persona: persona('persona').notNull().default('custom'),
    systemPrompt: text('system_prompt').notNull(),
    temperature: numeric('temperature', { precision: 3, scale: 2 }).notNull().default('0.7'),
    maxTokens: integer('max_tokens').default(2000),
    topP: numeric('top_p', { precision: 3, scale: 2 }).default('1.0'),
    frequencyPenalty: numeric('frequency_penalty', { precision: 3, scale: 2 }).default('0.0'),
    presencePenalty: numeric('presence_penalty', { precision: 3, scale: 2 }).default('0.0'),
    preferredModel: text('preferred_model'),
    isDefault: boolean('is_default').notNull().default(false),
    isActive: boolean('is_active').notNull().default(true),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
  },
  {
    audit: {},
    extra: (t) => [
      uniqueIndex('ai_personalities_tenant_name_key').on(t.tenantId, t.name),
      index('ai_personalities_default_idx').on(t.tenantId, t.isDefault, t.isActive),
    ],
  },
);

/** A chat with one of the AI personas (CEO, CFO, CMO, CTO or a custom one), as text or a meeting. */
export const conversations = tenantTable(
  'conversations',
  {
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    title: text('title'),
    persona: persona('persona').notNull().default('ceo'),
    mode: conversationMode('mode').notNull().default('text'),
    widgetId: uuid('widget_id'),
    meetingId: uuid('meeting_id'),
    personalityId: uuid('personality_id'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    /** The sum of the conversation's cost events, kept by the database (trigger track_conversation_cost). */
    totalCostUsd: numeric('total_cost_usd', { precision: 14, scale: 6 }).notNull().default('0'),
    endedAt: timestamp('ended_at', { withTimezone: true, mode: 'date' }),
  },
  {
    extra: (t) => [
      tenantReference(t, t.widgetId, widgets, 'set null'),
      tenantReference(t, t.meetingId, meetings, 'set null'),
      tenantReference(t, t.personalityId, aiPersonalities, 'set null'),
      index('conversations_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
      index('conversations_tenant_widget_idx').on(t.tenantId, t.widgetId),
      index('conversations_tenant_meeting_idx').on(t.tenantId, t.meetingId),
    ],
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
    extra: (t) => [
      tenantReference(t, t.conversationId, conversations),
      // Keyset pagination of a conversation on (created_at, id).
      index('messages_conversation_created_idx').on(t.tenantId, t.conversationId, t.createdAt, t.id),
    ],
  },
);
