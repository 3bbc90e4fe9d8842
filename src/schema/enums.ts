import { pgEnum } from 'drizzle-orm/pg-core';

export const tenantStatus = pgEnum('tenant_status', ['ACTIVE', 'TRIAL', 'SUSPENDED', 'CANCELLED']);
export const tenantPlan = pgEnum('tenant_plan', [
  'free',
  'trial',
  'starter',
  'pro',
  'growth',
  'business',
  'enterprise',
]);
export const memberRole = pgEnum('member_role', ['owner', 'admin', 'member', 'viewer']);
export const memberStatus = pgEnum('member_status', ['ACTIVE', 'INACTIVE', 'INVITED', 'SUSPENDED']);
export const persona = pgEnum('persona', ['ceo', 'cfo', 'cmo', 'cto', 'custom']);
export const conversationMode = pgEnum('conversation_mode', ['text', 'meeting']);
export const messageRole = pgEnum('message_role', ['user', 'assistant', 'system']);
