/** Model usage of the sample conversations' messages. */
import type { Chat } from './spec.ts';

export interface MessageUsage {
  tokens: number;
  /** Cost in micro-dollars: 0 except for assistant answers, each of which is also a cost event. */
  micros: number;
  /** Answer latency (assistant messages only). */
  latencyMs?: number;
}

/** Usage of each message of a chat, drawn from `rand` (every answer's usage, then every latency). */
export function messageUsage(chat: Chat, rand: () => number): MessageUsage[] {
  const usage: MessageUsage[] = chat.map(([role, content]) => {
    if (role !== 'assistant') return { tokens: Math.ceil(content.length / 4), micros: 0 };
    const tokens = 300 + Math.floor(rand() * 900);
    return { tokens, micros: tokens * 9 + Math.floor(rand() * 2000) };
  });
  chat.forEach(([role], i) => {
    if (role === 'assistant') (usage[i] as MessageUsage).latencyMs = 600 + Math.floor(rand() * 2400);
  });
  return usage;
}
