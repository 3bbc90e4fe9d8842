import { analyticsNamespace } from '../analytics/index.ts';
import { apiKeysNamespace } from '../api-keys/index.ts';
import { billingNamespace } from '../billing/index.ts';
import { conversationsNamespace } from '../conversations/index.ts';
import type { Database, Schema } from '../db/database.ts';
import { knowledgeNamespace } from '../knowledge/index.ts';
import { rbacNamespace } from '../rbac/index.ts';
import { secretsNamespace } from '../secrets/index.ts';
import { tasksNamespace } from '../tasks/index.ts';
import { StatementScope, type TenantContext, type TenantStatementScope } from '../tenancy/index.ts';
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

// The client: its scope, and each module's namespace made on first use (a request handler makes a
// client per request and touches one or two of them). Private fields hold what is built.
class LazyTenantClient<TSchema extends Schema> extends StatementScope<TSchema> {
  #apiKeys?: ReturnType<typeof apiKeysNamespace>;
  #rbac?: ReturnType<typeof rbacNamespace>;
  #secrets?: ReturnType<typeof secretsNamespace>;
  #knowledge?: ReturnType<typeof knowledgeNamespace>;
  #billing?: ReturnType<typeof billingNamespace>;
  #usage?: ReturnType<typeof usageNamespace>;
  #analytics?: ReturnType<typeof analyticsNamespace>;
  #tasks?: ReturnType<typeof tasksNamespace>;
  #conversations?: ReturnType<typeof conversationsNamespace>;

  get apiKeys() {
    return (this.#apiKeys ??= apiKeysNamespace(this));
  }
  get rbac() {
    return (this.#rbac ??= rbacNamespace(this));
  }
  get secrets() {
    return (this.#secrets ??= secretsNamespace(this));
  }
  get knowledge() {
    return (this.#knowledge ??= knowledgeNamespace(this));
  }
  get billing() {
    return (this.#billing ??= billingNamespace(this));
  }
  get usage() {
    return (this.#usage ??= usageNamespace(this));
  }
  get analytics() {
    return (this.#analytics ??= analyticsNamespace(this));
  }
  get tasks() {
    return (this.#tasks ??= tasksNamespace(this));
  }
  get conversations() {
    return (this.#conversations ??= conversationsNamespace(this));
  }
}

// A tenant client's own keys, as a frozen plain object would have them: Object.keys, spread and
// `in` see the scope, the verbs and the namespaces (built on first access), nothing else.
const CLIENT_KEYS: readonly string[] = [
  'kind',
  'context',
  'tables',
  'transaction',
  'statement',
  'run',
  'query',
  'apiKeys',
  'rbac',
  'secrets',
  'knowledge',
  'billing',
  'usage',
  'analytics',
  'tasks',
  'conversations',
];
const CLIENT_KEY_SET = new Set(CLIENT_KEYS);

// One handler for every client: reads go to the instance (its getters run on it, not on the
// proxy, so the private fields work); nothing can be written, defined or deleted.
const clientHandler: ProxyHandler<LazyTenantClient<Schema>> = {
  get: (target, key) =>
    typeof key === 'string' && CLIENT_KEY_SET.has(key) ? Reflect.get(target, key, target) : undefined,
  has: (_target, key) => typeof key === 'string' && CLIENT_KEY_SET.has(key),
  ownKeys: () => [...CLIENT_KEYS],
  getOwnPropertyDescriptor: (target, key) =>
    typeof key === 'string' && CLIENT_KEY_SET.has(key)
      ? { value: Reflect.get(target, key, target), enumerable: true, configurable: true, writable: false }
      : undefined,
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

/**
 * A client bound to one tenant (and user) whose every operation opens, uses and commits its own
 * short transaction — so a request that waits seconds on an LLM call holds no connection and no
 * open transaction meanwhile. Each table operation, `run` and `query` is one statement sent
 * together with the context in one pipeline: on a server the same single round trip as the bare
 * statement. Making one costs about a microsecond: the context is checked here, the tables and
 * namespaces are built on first use, and nothing is cached between statements but the scope.
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
  return new Proxy(new LazyTenantClient(db, context), clientHandler) as unknown as TenantClient<TSchema>;
}
