/**
 * What the scenarios run on, picked before timing starts: sampled conversations and messages
 * (a tenant in proportion to its size, as traffic is) and one tenant client per tenant.
 */
import { createTenantClient, type BuiltinSchema, type TenantClient } from '../../src/index.ts';
import type { BenchDatabase } from '../databases.ts';
import { prng, shuffle } from '../random.ts';

/** Targets of the list, aggregate and insert scenarios. */
export const LIST_TARGETS = 2000;

/** The columns the message statements return, on every side. */
export const MESSAGE_COLUMNS =
  'tenant_id, id, conversation_id, role, content, attachments, metadata, tokens_used, cost_usd, created_at, updated_at';

/** Conversations picked uniformly, so a tenant is picked in proportion to its size (as traffic is). */
export async function sampleConversations(
  bench: BenchDatabase,
  n: number,
): Promise<{ tenantId: string; conversationId: string }[]> {
  const rows = await bench.raw.query<{ tenant_id: string; id: string }>(
    'SELECT tenant_id, id FROM public.conversations ORDER BY md5(id::text) LIMIT $1',
    [n],
  );
  if (rows.length === 0) throw new Error(`${bench.name} has no conversations: rerun with --regenerate.`);
  return shuffle(
    prng(3),
    rows.map((r) => ({ tenantId: r.tenant_id, conversationId: r.id })),
  );
}

/** Messages picked uniformly (a tenant in proportion to its size), from a table sample. */
export async function sampleMessages(bench: BenchDatabase, n: number): Promise<{ tenantId: string; id: string }[]> {
  const [count] = await bench.raw.query<{ n: number }>('SELECT count(*)::int AS n FROM public.messages');
  const percent = Math.min(100, ((n * 1.5) / Math.max(count?.n ?? 1, 1)) * 100);
  const rows = await bench.raw.query<{ tenant_id: string; id: string }>(
    'SELECT tenant_id, id FROM public.messages TABLESAMPLE BERNOULLI ($1) REPEATABLE (17) LIMIT $2',
    [percent, n],
  );
  if (rows.length === 0) throw new Error(`${bench.name} has no messages: rerun with --regenerate.`);
  return shuffle(
    prng(5),
    rows.map((r) => ({ tenantId: r.tenant_id, id: r.id })),
  );
}

/** One client per tenant, made before timing starts (an application keeps them per request). */
export function tenantClients(
  bench: BenchDatabase,
  picks: { tenantId: string }[],
): Map<string, TenantClient<BuiltinSchema>> {
  const clients = new Map<string, TenantClient<BuiltinSchema>>();
  for (const { tenantId } of picks) {
    if (!clients.has(tenantId)) clients.set(tenantId, createTenantClient(bench.db, { tenantId }));
  }
  return clients;
}

export function client(
  clients: Map<string, TenantClient<BuiltinSchema>>,
  tenantId: string,
): TenantClient<BuiltinSchema> {
  const found = clients.get(tenantId);
  if (found === undefined) throw new Error(`no tenant client for ${tenantId}`);
  return found;
}
