/**
 * Conversations: the tenant's chats with the AI personas, listed newest first (seed 004's session
 * list, with its cursor bug fixed), and each conversation's messages, oldest first; both on the
 * one keyset helper (`keyset`, on `(created_at, id)`).
 */
import type { TenantScope } from '../tenancy/index.ts';
import { listConversations, type ListConversationsOptions } from './list-conversations.ts';
import { listMessages, type ListMessagesOptions } from './list-messages.ts';

export {
  listConversations,
  type Conversation,
  type ListConversationsOptions,
  type Persona,
} from './list-conversations.ts';
export { listMessages, type ListMessagesOptions, type Message } from './list-messages.ts';

/** The tenant client's `conversations` namespace. */
export function conversationsNamespace(scope: TenantScope) {
  return {
    list: (options?: ListConversationsOptions) => listConversations(scope, options),
    messages: (conversationId: string, options?: ListMessagesOptions) => listMessages(scope, conversationId, options),
  };
}
