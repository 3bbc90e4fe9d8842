import { systemApiKeysNamespace } from '../api-keys/index.ts';
import { systemBillingNamespace } from '../billing/index.ts';
import type { Database, Schema } from '../db/database.ts';
import { systemKnowledgeNamespace } from '../knowledge/index.ts';
import { systemSecretsNamespace } from '../secrets/index.ts';
import { systemTasksNamespace } from '../tasks/index.ts';
import { createSystemScope, type SystemScope } from '../tenancy/index.ts';
import { tenantsNamespace } from '../tenants/index.ts';
import { systemUsageNamespace } from '../usage/index.ts';

/** A system client: a system scope (pass it to any module function) with the modules' system work. */
export interface SystemClient<TSchema extends Schema = Schema> extends SystemScope<TSchema> {
  readonly tenants: ReturnType<typeof tenantsNamespace>;
  readonly apiKeys: ReturnType<typeof systemApiKeysNamespace>;
  readonly secrets: ReturnType<typeof systemSecretsNamespace>;
  readonly knowledge: ReturnType<typeof systemKnowledgeNamespace>;
  readonly usage: ReturnType<typeof systemUsageNamespace>;
  readonly billing: ReturnType<typeof systemBillingNamespace>;
  readonly tasks: ReturnType<typeof systemTasksNamespace>;
}

/**
 * A client for cross-tenant system work on the system connection, every call its own system
 * transaction logged with `reason` in `tenantdb.system_context_log`. Refused
 * (SYSTEM_CONTEXT_FORBIDDEN) when the connection's role may not become tenantdb_system.
 *
 * @example
 * const system = createSystemClient(db, { reason: 'signup' });
 * const { tenant } = await system.tenants.provision({ name: 'Acme', slug: 'acme', owner: { email } });
 * const key = await system.apiKeys.verify(request.headers.get('x-api-key') ?? '');
 */
export function createSystemClient<TSchema extends Schema>(
  db: Database<TSchema>,
  options: { reason: string },
): SystemClient<TSchema> {
  const scope = createSystemScope(db, options?.reason);
  return Object.freeze({
    ...scope,
    tenants: tenantsNamespace(scope),
    apiKeys: systemApiKeysNamespace(scope),
    secrets: systemSecretsNamespace(scope),
    knowledge: systemKnowledgeNamespace(scope),
    usage: systemUsageNamespace(scope),
    billing: systemBillingNamespace(scope),
    tasks: systemTasksNamespace(scope),
  });
}
