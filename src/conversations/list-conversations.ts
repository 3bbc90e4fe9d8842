/** The tenant's conversations, newest first: seed 004's session list, on the one keyset helper. */
import { and, eq, getTableColumns } from 'drizzle-orm';
import { conversations } from '../schema/conversations.ts';
import { persona as personaEnum } from '../schema/enums.ts';
import { keyset, requireTenantScope, type KeysetResult, type TenantScope } from '../tenancy/index.ts';
import { checkOptions, checkUuid, fail } from './check.ts';

export type Conversation = typeof conversations.$inferSelect;
export type Persona = Conversation['persona'];

export interface ListConversationsOptions {
  /** Only the conversations of this widget. */
  widgetId?: string;
  /** Only this user's conversations. */
  userId?: string;
  /** Only the conversations with this persona: `'ceo'`, `'cfo'`, `'cmo'`, `'cto'` or `'custom'`. */
  persona?: Persona;
  /** Conversations per page, 1–500. Default 50. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | null;
}

/** The cursor's list: a cursor of this list is refused by every other (messages, insights, …). */
const CONVERSATIONS_LIST = 'conversations';

const OPTIONS = ['widgetId', 'userId', 'persona', 'limit', 'cursor'] as const;
const PERSONAS: readonly string[] = personaEnum.enumValues;

/**
 * The tenant's conversations, newest first, a page at a time (keyset on `(created_at, id)`, exact
 * to the microsecond: conversations created by one statement, or meanwhile, are neither skipped
 * nor repeated), optionally of one widget, one user and one persona. Resolves to
 * `{ items, nextCursor }`; pass `nextCursor` back for the next page (null on the last).
 * INVALID_INPUT before any SQL for a widgetId or userId that is not a UUID, an unknown persona or
 * option, a bad limit, and for a cursor that was altered or issued for another list or tenant.
 *
 * @example
 * const first = await listConversations(tenant, { widgetId, limit: 20 });
 * const second = await listConversations(tenant, { widgetId, limit: 20, cursor: first.nextCursor });
 */
export async function listConversations(
  scope: TenantScope,
  options: ListConversationsOptions = {},
): Promise<KeysetResult<Conversation>> {
  const fn = 'listConversations';
  const tenant = requireTenantScope(scope, fn);
  const input = checkOptions(fn, options, OPTIONS);
  const widgetId = input.widgetId === undefined ? undefined : checkUuid(fn, 'widgetId', input.widgetId);
  const userId = input.userId === undefined ? undefined : checkUuid(fn, 'userId', input.userId);
  let persona: Persona | undefined;
  if (input.persona !== undefined) {
    if (typeof input.persona !== 'string' || !PERSONAS.includes(input.persona)) {
      fail(
        fn,
        `persona must be one of ${PERSONAS.join(', ')} (got ${JSON.stringify(input.persona) ?? String(input.persona)}).`,
      );
    }
    persona = input.persona as Persona;
  }
  const { tenantId } = tenant.context;
  const page = keyset(conversations, {
    list: CONVERSATIONS_LIST,
    tenantId,
    cursor: options.cursor,
    limit: options.limit,
    fn,
  });
  const rows = await tenant.transaction((tx) =>
    tx
      .select({ ...getTableColumns(conversations), ...page.select })
      .from(conversations)
      .where(
        and(
          eq(conversations.tenantId, tenantId),
          widgetId === undefined ? undefined : eq(conversations.widgetId, widgetId),
          userId === undefined ? undefined : eq(conversations.userId, userId),
          persona === undefined ? undefined : eq(conversations.persona, persona),
          page.where,
        ),
      )
      .orderBy(...page.orderBy)
      .limit(page.fetch),
  );
  return page.result(rows);
}
