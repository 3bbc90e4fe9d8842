/**
 * The re-embed job, for when the embedding model changes: every chunk (of every tenant, and the
 * global ones) whose vector is of another model gets a vector of the new one. System work.
 * Search compares only vectors of the query's model, so until a chunk is re-embedded it is
 * found by the full-text list only, never compared with a vector of another model.
 */
import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { costEvents } from '../schema/billing.ts';
import { EMBEDDING_DIMENSIONS, globalKnowledgeChunks, knowledgeChunks } from '../schema/knowledge.ts';
import { requireSystemScope, type SystemScope } from '../tenancy/index.ts';
import { checkVectors, type Embedder } from './embedder.ts';

export interface ReembedOptions {
  /** The new model. */
  embedder: Embedder;
  /** Chunks per embedder call and per transaction. Default 100. */
  batchSize?: number;
  /** After each batch: chunks re-embedded so far. */
  onProgress?: (done: number) => void;
}

export interface ReembedResult {
  /** Tenant chunks and global chunks that got a vector of the new model. */
  tenantChunks: number;
  globalChunks: number;
}

/**
 * Re-embeds every chunk whose vector is not of `embedder.model`, a batch at a time: read in one
 * transaction, embedded with none open, written in another (a batch holds one tenant's chunks, so
 * each cost event, recorded when the embedder reports a cost, belongs to one tenant). Resumable: a second run does only what
 * the first did not reach.
 *
 * @example
 * await reembedKnowledge(system, { embedder: httpEmbedder({ provider: 'voyage', model: 'voyage-3', … }) });
 */
export async function reembedKnowledge(scope: SystemScope, options: ReembedOptions): Promise<ReembedResult> {
  const system = requireSystemScope(scope, 'reembedKnowledge');
  const { embedder } = options;
  if (embedder === null || typeof embedder !== 'object' || typeof embedder.embed !== 'function') {
    throw new TenantDbError('INVALID_INPUT', 'reembedKnowledge: pass { embedder }.');
  }
  checkVectors('reembedKnowledge', embedder, [], 0, EMBEDDING_DIMENSIONS);
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new TenantDbError('INVALID_INPUT', 'reembedKnowledge: batchSize must be a positive integer.');
  }
  const result: ReembedResult = { tenantChunks: 0, globalChunks: 0 };
  const progress = () => options.onProgress?.(result.tenantChunks + result.globalChunks);
  // Tenant chunks, in (tenant_id, id) order; a batch never spans two tenants.
  let after: { tenantId: string; id: string } | undefined;
  for (;;) {
    // Read a batch, embed it with no transaction open (an API call may take seconds), write it.
    const batch = await system.transaction(async (tx) => {
      const [start] = await tx
        .select({ tenantId: knowledgeChunks.tenantId, id: knowledgeChunks.id })
        .from(knowledgeChunks)
        .where(
          and(
            ne(knowledgeChunks.embeddingModel, embedder.model),
            after
              ? sql`(${knowledgeChunks.tenantId}, ${knowledgeChunks.id}) > (${after.tenantId}, ${after.id})`
              : undefined,
          ),
        )
        .orderBy(asc(knowledgeChunks.tenantId), asc(knowledgeChunks.id))
        .limit(1);
      if (start === undefined) return undefined;
      const rows = await tx
        .select({ id: knowledgeChunks.id, content: knowledgeChunks.content })
        .from(knowledgeChunks)
        .where(
          and(
            eq(knowledgeChunks.tenantId, start.tenantId),
            ne(knowledgeChunks.embeddingModel, embedder.model),
            sql`${knowledgeChunks.id} >= ${start.id}`,
          ),
        )
        .orderBy(asc(knowledgeChunks.id))
        .limit(batchSize);
      return { tenantId: start.tenantId, rows };
    });
    if (batch === undefined) break;
    const { vectors, usage } = await embedder.embed(batch.rows.map((r) => r.content));
    const checked = checkVectors('reembedKnowledge', embedder, vectors, batch.rows.length, EMBEDDING_DIMENSIONS);
    await system.transaction(async (tx) => {
      for (const [i, row] of batch.rows.entries()) {
        await tx
          .update(knowledgeChunks)
          .set({ embedding: checked[i] as number[], embeddingModel: embedder.model })
          .where(and(eq(knowledgeChunks.tenantId, batch.tenantId), eq(knowledgeChunks.id, row.id)));
      }
      if (usage !== undefined && usage.calls > 0) {
        await tx.insert(costEvents).values({
          tenantId: batch.tenantId,
          service: 'embedding',
          costUsd: usage.costUsd,
          provider: usage.provider,
          tokensUsed: usage.tokens,
          metadata: { model: usage.model, operation: 'reembedKnowledge' },
        });
      }
    });
    after = { tenantId: batch.tenantId, id: (batch.rows.at(-1) as { id: string }).id };
    result.tenantChunks += batch.rows.length;
    progress();
  }
  let afterGlobal: string | undefined;
  for (;;) {
    const rows = await system.transaction((tx) =>
      tx
        .select({ id: globalKnowledgeChunks.id, content: globalKnowledgeChunks.content })
        .from(globalKnowledgeChunks)
        .where(
          and(
            ne(globalKnowledgeChunks.embeddingModel, embedder.model),
            afterGlobal ? gt(globalKnowledgeChunks.id, afterGlobal) : undefined,
          ),
        )
        .orderBy(asc(globalKnowledgeChunks.id))
        .limit(batchSize),
    );
    if (rows.length === 0) break;
    const { vectors } = await embedder.embed(rows.map((r) => r.content));
    const checked = checkVectors('reembedKnowledge', embedder, vectors, rows.length, EMBEDDING_DIMENSIONS);
    await system.transaction(async (tx) => {
      for (const [i, row] of rows.entries()) {
        await tx
          .update(globalKnowledgeChunks)
          .set({ embedding: checked[i] as number[], embeddingModel: embedder.model })
          .where(eq(globalKnowledgeChunks.id, row.id));
      }
    });
    afterGlobal = (rows.at(-1) as { id: string }).id;
    result.globalChunks += rows.length;
    progress();
  }
  return result;
}
