import { relations } from 'drizzle-orm';
import { conversations, messages } from './conversations.ts';
import { users } from './identity.ts';
import { tenantMembers } from './members.ts';
import { tenants } from './tenants.ts';

export const tenantsRelations = relations(tenants, ({ many }) => ({
  members: many(tenantMembers),
  conversations: many(conversations),
}));

export const usersRelations = relations(users, ({ many }) => ({
  memberships: many(tenantMembers),
}));

export const tenantMembersRelations = relations(tenantMembers, ({ one }) => ({
  tenant: one(tenants, { fields: [tenantMembers.tenantId], references: [tenants.id] }),
  user: one(users, { fields: [tenantMembers.userId], references: [users.id] }),
}));

export const conversationsRelations = relations(conversations, ({ one, many }) => ({
  tenant: one(tenants, { fields: [conversations.tenantId], references: [tenants.id] }),
  user: one(users, { fields: [conversations.userId], references: [users.id] }),
  messages: many(messages),
}));

export const messagesRelations = relations(messages, ({ one }) => ({
  conversation: one(conversations, {
    fields: [messages.tenantId, messages.conversationId],
    references: [conversations.tenantId, conversations.id],
  }),
}));
