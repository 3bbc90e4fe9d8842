/** One conversation's messages, oldest first (the order a chat is read in), on the one keyset helper. */
import { and, eq, getTableColumns } from 'drizzle-orm';
import { messages } from '../schema/conversations.ts';
import { keyset, requireTenantScope, type KeysetResult, type TenantScope } from '../tenancy/index.ts';
import { checkOptions, checkUuid } from './check.ts';

export type Message = typeof messages.$inferSelect;

export interface ListMessagesOptions {
  /** Messages per page, 1–500. Default 50. */
  limit?: number;
  /** The previous page's `nextCursor` of this same conversation. */
  cursor?: string | null;
}

/**
 * The cursor's list: one per conversation (`messages:<conversation id>`), so a cursor issued for
 * one conversation's messages is refused for another's (and for the conversations list) before
 * any SQL, rather than silently starting the other conversation part-way through.
 */
function messagesList(conversationId: string): string {
  return `messages:${conversationId.toLowerCase()}`;
}

const OPTIONS = ['limit', 'cursor'] as const;

/**
 * A conversation's messages, oldest first, a page at a time (keyset on `(created_at, id)`, exact
 * to the microsecond, on the index `(tenant_id, conversation_id, created_at, id)`). Resolves to
 * `{ items, nextCursor }`; pass `nextCursor` back, with the same conversation, for the next page
 * (null on the last). A conversation that does not exist, or is another tenant's, has no messages
 * here (an empty page, never an error that would tell the two apart). INVALID_INPUT before any
 * SQL for a conversationId that is not a UUID, an unknown option, a bad limit, and for a cursor
 * that was altered or issued for another conversation, another list or another tenant.
 *
 * @example
 * const first = await listMessages(tenant, conversation.id, { limit: 100 });
 * const next = await listMessages(tenant, conversation.id, { limit: 100, cursor: first.nextCursor });
 */
export async function listMessages(
  scope: TenantScope,
  conversationId: string,
  options: ListMessagesOptions = {},
): Promise<KeysetResult<Message>> {
  const fn = 'listMessages';
  const tenant = requireTenantScope(scope, fn);
  const conversation = checkUuid(fn, 'conversationId', conversationId);
  checkOptions(fn, options, OPTIONS);
  const { tenantId } = tenant.context;
  const page = keyset(messages, {
    list: messagesList(conversation),
    tenantId,
    cursor: options.cursor,
    limit: options.limit,
    order: 'asc',
    fn,
  });
  const rows = await tenant.transaction((tx) =>
    tx
      .select({ ...getTableColumns(messages), ...page.select })
      .from(messages)
      .where(and(eq(messages.tenantId, tenantId), eq(messages.conversationId, conversation), page.where))
      .orderBy(...page.orderBy)
      .limit(page.fetch),
  );
  return page.result(rows);
}
