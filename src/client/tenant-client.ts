import { analyticsNamespace } from '../analytics/index.ts';
import { apiKeysNamespace } from '../api-keys/index.ts';
import { billingNamespace } from '../billing/index.ts';
import { conversationsNamespace } from '../conversations/index.ts';
import type { Database, Schema } from '../db/database.ts';
import { knowledgeNamespace } from '../knowledge/index.ts';
import { rbacNamespace } from '../rbac/index.ts';
import { secretsNamespace } from '../secrets/index.ts';
import { tasksNamespace } from '../tasks/index.ts';
import { createStatementScope, type TenantContext, type TenantStatementScope } from '../tenancy/index.ts';
import { usageNamespace } from '../usage/index.ts';

/**
 * A tenant-bound client. It is itself a tenant scope (pass it to any module function), its tables
 * are under `tables`, and the modules under their own namespaces, so no table name can shadow a
 * verb or a module.
 */
export interface TenantClient<TSchema extends Schema = Schema> extends TenantStatementScope<TSchema> {
  readonly apiKeys: ReturnType<typeof apiKeysNamespace>;
  readonly rbac: ReturnType<typeof rbacNamespace>;
  readonly secrets: ReturnType<typeof secretsNamespace>;
  readonly knowledge: ReturnType<typeof knowledgeNamespace>;
  readonly billing: ReturnType<typeof billingNamespace>;
  readonly usage: ReturnType<typeof usageNamespace>;
  readonly analytics: ReturnType<typeof analyticsNamespace>;
  readonly tasks: ReturnType<typeof tasksNamespace>;
  readonly conversations: ReturnType<typeof conversationsNamespace>;
}

/**
 * A client bound to one tenant (and user) whose every operation opens, uses and commits its own
 * short transaction — so a request that waits seconds on an LLM call holds no connection and no
 * open transaction meanwhile. Each table operation, `run` and `query` is one statement sent
 * together with the context in one pipeline: on a server the same single round trip as the bare
 * statement.
 *
 * @example
 * const tenant = createTenantClient(db, { tenantId, userId });
 * const convo = await tenant.tables.conversations.insert({ title: 'Launch', persona: 'cmo' });
 * const answer = await callTheModel();            // no connection held here
 * await tenant.tables.messages.insert({ conversationId: convo.id, role: 'assistant', content: answer });
 * const { secret } = await tenant.apiKeys.issue({ name: 'CI' });
 */
export function createTenantClient<TSchema extends Schema>(
  db: Database<TSchema>,
  context: TenantContext,
): TenantClient<TSchema> {
  const scope = createStatementScope(db, context);
  return Object.freeze({
    ...scope,
    apiKeys: apiKeysNamespace(scope),
    rbac: rbacNamespace(scope),
    secrets: secretsNamespace(scope),
    knowledge: knowledgeNamespace(scope),
    billing: billingNamespace(scope),
    usage: usageNamespace(scope),
    analytics: analyticsNamespace(scope),
    tasks: tasksNamespace(scope),
    conversations: conversationsNamespace(scope),
  });
}
