import { pgEnum } from 'drizzle-orm/pg-core';

export { tenantPlan, tenantStatus } from '../contract/tenants.ts';
export const memberRole = pgEnum('member_role', ['owner', 'admin', 'member', 'viewer']);
export const memberStatus = pgEnum('member_status', ['ACTIVE', 'INACTIVE', 'INVITED', 'SUSPENDED']);
export const persona = pgEnum('persona', ['ceo', 'cfo', 'cmo', 'cto', 'custom']);
export const conversationMode = pgEnum('conversation_mode', ['text', 'meeting']);
export const messageRole = pgEnum('message_role', ['user', 'assistant', 'system']);
export const connectorStatus = pgEnum('connector_status', ['PENDING', 'ACTIVE', 'ERROR', 'DISABLED']);
export const taskStatus = pgEnum('task_status', ['pending', 'running', 'completed', 'failed', 'cancelled']);
export const taskPriority = pgEnum('task_priority', ['low', 'normal', 'high', 'urgent']);
export const insightSeverity = pgEnum('insight_severity', ['info', 'warning', 'critical']);
export const costService = pgEnum('cost_service', ['vision', 'voice_stt', 'voice_tts', 'llm', 'embedding', 'livekit']);
export const budgetPeriod = pgEnum('budget_period', ['daily', 'weekly', 'monthly']);
export const alertSeverity = pgEnum('alert_severity', ['warning', 'critical']);
