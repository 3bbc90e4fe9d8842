import { EMBEDDING_DIMENSIONS } from '../schema/knowledge.ts';
import type { Embedder } from './embedder.ts';

/**
 * A deterministic, local stand-in for a real embedding model (the seeds use Voyage
 * multimodal-3): same shape — `EMBEDDING_DIMENSIONS` floats, unit length, compared by cosine —
 * but computed by feature hashing, with no network and no model. Lowercased word unigrams
 * (weight 1) and bigrams (weight 0.5), common English stop words left out, are hashed with
 * 32-bit FNV-1a into the buckets, each with
 * a sign taken from the hash (so collisions tend to cancel rather than pile up), and the vector
 * is L2-normalised. Texts that share words therefore have a high cosine similarity, and the same
 * text always gets the same vector: enough for sample data, tests and offline demos of
 * vector search. Swap in a real model (same length) for semantic similarity.
 *
 * @example
 * const vector = embed('Quarterly revenue grew 12%'); // number[1024], |vector| = 1
 */
export function embed(text: string): number[] {
  const vector = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  const all = tokenize(text);
  const content = all.filter((w) => !STOP_WORDS.has(w));
  // A text of stop words only ("to be or not to be") keeps them: it has nothing else.
  const words = content.length > 0 ? content : all;
  const features: [string, number][] = words.map((w) => [w, 1]);
  for (let i = 0; i + 1 < words.length; i++) features.push([`${words[i]} ${words[i + 1]}`, 0.5]);
  // Empty text still gets a unit vector (a zero vector has no cosine distance to anything).
  if (features.length === 0) features.push(['\u0000empty', 1]);
  for (const [feature, weight] of features) {
    const hash = fnv1a(feature);
    const bucket = hash % EMBEDDING_DIMENSIONS;
    // The top bit is independent of the bucket (the low bits) for 1024 buckets.
    vector[bucket] = (vector[bucket] as number) + (hash & 0x80000000 ? -weight : weight);
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  // All features can cancel out in theory; fall back to the empty-text vector then.
  if (norm === 0) return embed('');
  return vector.map((x) => x / norm);
}

const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can do does did for from has have how i if in into is it its of on or our ' +
    'so than that the their them then there these they this to was we were what when where which who why ' +
    'will with you your'
  ).split(' '),
);

/** Lowercased words (letters and digits, any script); everything else separates words. */
function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

const encoder = new TextEncoder();

/** 32-bit FNV-1a over the UTF-8 bytes: stable across runs, platforms and Node versions. */
function fnv1a(value: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(value)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The model name the local embedder's vectors are recorded under. */
export const LOCAL_EMBEDDING_MODEL = 'tenantdb-local-hash-v1';

/**
 * {@link embed} as an {@link Embedder}: the default of every ingestion and search call. No
 * network, no cost, no usage reported.
 */
export const localEmbedder: Embedder = {
  model: LOCAL_EMBEDDING_MODEL,
  dimensions: EMBEDDING_DIMENSIONS,
  embed: (texts) => Promise.resolve({ vectors: texts.map((text) => embed(text)) }),
};
