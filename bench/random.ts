/** Seeded randomness, so every run generates the same data and picks the same targets. */

/** A seeded PRNG (mulberry32): a function returning floats in [0, 1). */
export type Random = () => number;

export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

/** Picks by weight: `weighted([['llm', 45], ['vision', 10]])`. */
export function weighted<T>(entries: readonly (readonly [T, number])[]): (random: Random) => T {
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  return (random) => {
    let r = random() * total;
    for (const [value, weight] of entries) {
      r -= weight;
      if (r < 0) return value;
    }
    return (entries[entries.length - 1] as readonly [T, number])[0];
  };
}

const uuidBytes = Buffer.alloc(16);

/** A version-4 UUID drawn from `random` (reproducible, unlike crypto.randomUUID). */
export function uuid(random: Random): string {
  const word = () => (random() * 4294967296) >>> 0;
  uuidBytes.writeUInt32BE(word(), 0);
  uuidBytes.writeUInt32BE(((word() & 0xffff0fff) | 0x00004000) >>> 0, 4); // version 4
  uuidBytes.writeUInt32BE(((word() & 0x3fffffff) | 0x80000000) >>> 0, 8); // variant 10
  uuidBytes.writeUInt32BE(word(), 12);
  const h = uuidBytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

const WORDS = (
  'the revenue forecast for next quarter looks strong but churn in the mid market segment needs attention ' +
  'can you summarise the board deck and list the three biggest risks we should raise with investors ' +
  'our cloud spend grew faster than usage so we should review reserved capacity and idle clusters ' +
  'marketing wants a launch plan with budget owners channels and a weekly review of pipeline impact ' +
  'hiring two senior engineers would unblock the platform roadmap and reduce incident load on call'
).split(' ');

/** Chat-like text of `words` words. */
export function sentence(random: Random, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(random, WORDS));
  const text = out.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}
