import { relations } from 'drizzle-orm';
import { analyticsSnapshots } from './analytics.ts';
import { costEvents } from './billing.ts';
import { aiPersonalities, conversations, meetings, messages, widgets } from './conversations.ts';
import { accounts, authSessions, users } from './identity.ts';
import { knowledgeChunks, knowledgeDocuments } from './knowledge.ts';
import { tenantMembers } from './members.ts';
import { agentResults, connectors, tasks } from './operations.ts';
import { memberRoles, permissions, rolePermissions, roles } from './rbac.ts';
import { tenants } from '../contract/tenants.ts';

// Relations between tenant tables always join on (tenant_id, id), like their foreign keys.

export const tenantsRelations = relations(tenants, ({ many }) => ({
  members: many(tenantMembers),
  conversations: many(conversations),
}));

export const usersRelations = relations(users, ({ many }) => ({
  memberships: many(tenantMembers),
  accounts: many(accounts),
  sessions: many(authSessions),
}));

export const accountsRelations = relations(accounts, ({ one }) => ({
  user: one(users, { fields: [accounts.userId], references: [users.id] }),
}));

export const authSessionsRelations = relations(authSessions, ({ one }) => ({
  user: one(users, { fields: [authSessions.userId], references: [users.id] }),
}));

export const tenantMembersRelations = relations(tenantMembers, ({ one, many }) => ({
  tenant: one(tenants, { fields: [tenantMembers.tenantId], references: [tenants.id] }),
  user: one(users, { fields: [tenantMembers.userId], references: [users.id] }),
  roles: many(memberRoles),
}));

export const rolesRelations = relations(roles, ({ many }) => ({
  permissions: many(rolePermissions),
  members: many(memberRoles),
}));

export const rolePermissionsRelations = relations(rolePermissions, ({ one }) => ({
  role: one(roles, {
    fields: [rolePermissions.tenantId, rolePermissions.roleId],
    references: [roles.tenantId, roles.id],
  }),
  permission: one(permissions, { fields: [rolePermissions.permissionId], references: [permissions.id] }),
}));

export const memberRolesRelations = relations(memberRoles, ({ one }) => ({
  member: one(tenantMembers, {
    fields: [memberRoles.tenantId, memberRoles.memberId],
    references: [tenantMembers.tenantId, tenantMembers.id],
  }),
  role: one(roles, { fields: [memberRoles.tenantId, memberRoles.roleId], references: [roles.tenantId, roles.id] }),
}));

export const conversationsRelations = relations(conversations, ({ one, many }) => ({
  tenant: one(tenants, { fields: [conversations.tenantId], references: [tenants.id] }),
  user: one(users, { fields: [conversations.userId], references: [users.id] }),
  widget: one(widgets, {
    fields: [conversations.tenantId, conversations.widgetId],
    references: [widgets.tenantId, widgets.id],
  }),
  meeting: one(meetings, {
    fields: [conversations.tenantId, conversations.meetingId],
    references: [meetings.tenantId, meetings.id],
  }),
  personality: one(aiPersonalities, {
    fields: [conversations.tenantId, conversations.personalityId],
    references: [aiPersonalities.tenantId, aiPersonalities.id],
  }),
  messages: many(messages),
  costEvents: many(costEvents),
}));

export const messagesRelations = relations(messages, ({ one }) => ({
  conversation: one(conversations, {
    fields: [messages.tenantId, messages.conversationId],
    references: [conversations.tenantId, conversations.id],
  }),
}));

export const widgetsRelations = relations(widgets, ({ many }) => ({ conversations: many(conversations) }));
export const meetingsRelations = relations(meetings, ({ many }) => ({ conversations: many(conversations) }));

export const knowledgeDocumentsRelations = relations(knowledgeDocuments, ({ many }) => ({
  chunks: many(knowledgeChunks),
}));

export const knowledgeChunksRelations = relations(knowledgeChunks, ({ one }) => ({
  document: one(knowledgeDocuments, {
    fields: [knowledgeChunks.tenantId, knowledgeChunks.documentId],
    references: [knowledgeDocuments.tenantId, knowledgeDocuments.id],
  }),
}));

export const connectorsRelations = relations(connectors, ({ many }) => ({
  tasks: many(tasks),
  snapshots: many(analyticsSnapshots),
}));

export const tasksRelations = relations(tasks, ({ one, many }) => ({
  connector: one(connectors, {
    fields: [tasks.tenantId, tasks.connectorId],
    references: [connectors.tenantId, connectors.id],
  }),
  results: many(agentResults),
}));

export const agentResultsRelations = relations(agentResults, ({ one }) => ({
  task: one(tasks, { fields: [agentResults.tenantId, agentResults.taskId], references: [tasks.tenantId, tasks.id] }),
}));

export const analyticsSnapshotsRelations = relations(analyticsSnapshots, ({ one }) => ({
  connector: one(connectors, {
    fields: [analyticsSnapshots.tenantId, analyticsSnapshots.connectorId],
    references: [connectors.tenantId, connectors.id],
  }),
}));

export const costEventsRelations = relations(costEvents, ({ one }) => ({
  conversation: one(conversations, {
    fields: [costEvents.tenantId, costEvents.conversationId],
    references: [conversations.tenantId, conversations.id],
  }),
}));
