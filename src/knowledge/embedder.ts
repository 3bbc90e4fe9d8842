/**
 * What turns text into vectors. tenantdb ships two: the deterministic local one
 * (`localEmbedder`: demo, tests, offline) and an HTTP client for OpenAI-compatible and Voyage
 * embedding APIs (`httpEmbedder`). Any object of this shape works.
 */
import { TenantDbError } from '../errors.ts';

/** What one `embed` call used, when the provider reports it (HTTP embedders do). */
export interface EmbeddingUsage {
  /** The model that produced the vectors. */
  model: string;
  /** Provider, for the cost event (`openai`, `voyage`, …). */
  provider: string;
  tokens: number;
  /** USD as a decimal string with at most 6 decimals (the cost event's `costUsd`). */
  costUsd: string;
  /** Provider calls made (one per batch). */
  calls: number;
}

export interface Embedder {
  /** Recorded with every vector: vectors of different models are never compared. */
  readonly model: string;
  /** Length of every vector (1024 for tenantdb's tables). */
  readonly dimensions: number;
  /** One vector per text, in order; `usage` when the provider reports it. */
  embed(texts: readonly string[]): Promise<{ vectors: number[][]; usage?: EmbeddingUsage }>;
}

/**
 * Checks what an embedder returned before anything is written: one vector per text, each of
 * `dimensions` finite numbers. Throws INVALID_INPUT naming the first wrong vector.
 */
export function checkVectors(
  fn: string,
  embedder: Embedder,
  vectors: unknown,
  count: number,
  dimensions: number,
): number[][] {
  if (embedder.dimensions !== dimensions) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${fn}: the embedder ${embedder.model} makes ${embedder.dimensions}-dimensional vectors; the knowledge tables hold ${dimensions}.`,
    );
  }
  if (!Array.isArray(vectors) || vectors.length !== count) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${fn}: the embedder ${embedder.model} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${count} texts.`,
    );
  }
  vectors.forEach((v: unknown, i) => {
    if (!Array.isArray(v) || v.length !== dimensions || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `${fn}: vector ${i} from ${embedder.model} is not ${dimensions} finite numbers (got ${Array.isArray(v) ? `${v.length} values` : typeof v}).`,
      );
    }
  });
  return vectors as number[][];
}
