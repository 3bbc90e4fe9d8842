/**
 * Knowledge ingestion: a document is chunked (paragraph- and sentence-aware), its chunks embedded
 * (before any transaction opens: an embedding API call never holds a connection), and the
 * document, its chunks and the embedding's cost event written in one transaction, so a document
 * is never searchable half-ingested. Every chunk records the model of its vector.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { recordCosts } from '../billing/index.ts';
import { TenantDbError } from '../errors.ts';
import {
  EMBEDDING_DIMENSIONS,
  globalKnowledgeChunks,
  globalKnowledgeDocuments,
  knowledgeChunks,
  knowledgeDocuments,
} from '../schema/knowledge.ts';
import {
  isUuid,
  requireSystemScope,
  requireTenantScope,
  validateValues,
  type SystemScope,
  type TenantScope,
} from '../tenancy/index.ts';
import { chunkText, DEFAULT_CHUNKING, type ChunkOptions } from './chunk.ts';
import { checkVectors, type Embedder, type EmbeddingUsage } from './embedder.ts';
import { localEmbedder } from './local-embedder.ts';

type DocumentMetadata = (typeof knowledgeDocuments.$inferSelect)['metadata'];

export interface DocumentInput {
  title: string;
  content: string;
  category?: string | null;
  /** Where the document came from (`notion://…`, `gdrive://…`). Tenant documents only. */
  source?: string | null;
  /** `tags` here are what `search({ tags })` filters on. */
  metadata?: DocumentMetadata;
}

export interface IngestOptions {
  /** Default: the local embedder. */
  embedder?: Embedder;
  /** Words per chunk and words of overlap; default 200 and 40 (see chunkText). */
  chunking?: ChunkOptions;
  /** A longer document is refused (INVALID_INPUT). Default 200,000 words. */
  maxWords?: number;
}

export interface IngestedDocument {
  documentId: string;
  /** Chunks stored, numbered from 0 in `position`. */
  chunkCount: number;
  /** Chunks whose vector was computed by this call (the others kept theirs: updateDocument). */
  embedded: number;
  /** What the embedder reported for this call, when it reports usage. */
  usage?: EmbeddingUsage;
}

export interface BulkIngestOptions extends IngestOptions {
  /** Documents per transaction. Default 50. */
  batchSize?: number;
  /** Called after each batch is written: documents done of the total. */
  onProgress?: (done: number, total: number) => void;
}

const DEFAULT_MAX_WORDS = 200_000;
/** Rows per INSERT: 7 bound values a chunk, well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 1000;

interface Prepared {
  document: { title: string; content: string; category: string | null; metadata: DocumentMetadata };
  source: string | null;
  chunks: string[];
  chunking: { size: number; overlap: number };
}

function fail(fn: string, message: string): never {
  throw new TenantDbError('INVALID_INPUT', `${fn}: ${message}`);
}

/** Checks a document and chunks it: everything that can fail before any embedding or SQL. */
function prepare(fn: string, input: DocumentInput, options: IngestOptions): Prepared {
  if (input === null || typeof input !== 'object') fail(fn, 'pass { title, content }.');
  if (typeof input.title !== 'string' || input.title.trim() === '') fail(fn, 'title is required.');
  if (typeof input.content !== 'string' || input.content.trim() === '') {
    fail(fn, 'content is required (a document without words cannot be searched).');
  }
  for (const key of ['category', 'source'] as const) {
    if (input[key] != null && typeof input[key] !== 'string') fail(fn, `${key} must be a string.`);
  }
  if (input.metadata !== undefined && (input.metadata === null || typeof input.metadata !== 'object')) {
    fail(fn, 'metadata must be an object.');
  }
  const tags = input.metadata?.tags;
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) {
    fail(fn, 'metadata.tags must be an array of strings.');
  }
  const maxWords = options.maxWords ?? DEFAULT_MAX_WORDS;
  const words = input.content.split(/\s+/).filter((w) => w !== '').length;
  if (words > maxWords) {
    fail(fn, `the document has ${words} words, more than maxWords (${maxWords}): split it, or raise maxWords.`);
  }
  const chunking = {
    size: options.chunking?.size ?? DEFAULT_CHUNKING.size,
    overlap: options.chunking?.overlap ?? DEFAULT_CHUNKING.overlap,
  };
  let chunks: string[];
  try {
    chunks = chunkText(input.content, chunking);
  } catch (error) {
    throw new TenantDbError('INVALID_INPUT', `${fn}: ${(error as Error).message}.`, { cause: error });
  }
  return {
    document: {
      title: input.title,
      content: input.content,
      category: input.category ?? null,
      metadata: input.metadata ?? {},
    },
    source: input.source ?? null,
    chunks,
    chunking,
  };
}

/** Embeds `texts` with `embedder`, checking every vector before anything is written. */
async function embedAll(
  fn: string,
  embedder: Embedder,
  texts: string[],
): Promise<{ vectors: number[][]; usage?: EmbeddingUsage }> {
  if (embedder.dimensions !== EMBEDDING_DIMENSIONS) {
    checkVectors(fn, embedder, [], 0, EMBEDDING_DIMENSIONS);
  }
  if (texts.length === 0) return { vectors: [] };
  const { vectors, usage } = await embedder.embed(texts);
  return {
    vectors: checkVectors(fn, embedder, vectors, texts.length, EMBEDDING_DIMENSIONS),
    ...(usage ? { usage } : {}),
  };
}

/** The chunk rows of a document, in multi-row inserts. */
function chunkRows(
  tenantId: string,
  documentId: string,
  prepared: Prepared,
  vectors: number[][],
  model: string,
): (typeof knowledgeChunks.$inferInsert)[] {
  return prepared.chunks.map((content, position) => ({
    tenantId,
    documentId,
    position,
    content,
    embedding: vectors[position] as number[],
    embeddingModel: model,
    metadata: {
      chunkSize: prepared.chunking.size,
      overlapSize: prepared.chunking.overlap,
      words: content.split(' ').length,
    },
  }));
}

type Tx = Parameters<Parameters<TenantScope['transaction']>[0]>[0];

async function insertChunks(tx: Tx, rows: (typeof knowledgeChunks.$inferInsert)[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await tx.insert(knowledgeChunks).values(rows.slice(i, i + ROWS_PER_INSERT));
  }
}

/** The cost event of an embedding call, when the embedder reported a cost (billing). */
async function recordUsage(scope: TenantScope, usage: EmbeddingUsage | undefined, operation: string): Promise<void> {
  if (usage === undefined || usage.calls === 0) return;
  await recordCosts(scope, [
    {
      service: 'embedding',
      costUsd: usage.costUsd,
      provider: usage.provider,
      tokensUsed: usage.tokens,
      metadata: { model: usage.model, operation },
    },
  ]);
}

/**
 * Adds a document to the scope's tenant knowledge base: chunks it, embeds the chunks, and writes
 * the document, its chunks (each with its vector, the vector's model, and a full-text vector the
 * database generates) and the embedding's cost event (when the embedder reports one) in one
 * transaction. INVALID_INPUT before anything is written for an empty title or content, a
 * document over `maxWords`, bad chunking, or vectors of the wrong length.
 *
 * @example
 * const { documentId, chunkCount } = await addDocument(tenant, {
 *   title: 'Pricing 2025', content, category: 'sales', metadata: { tags: ['pricing'] },
 * }, { chunking: { size: 120, overlap: 20 } });
 */
export async function addDocument(
  scope: TenantScope,
  input: DocumentInput,
  options: IngestOptions = {},
): Promise<IngestedDocument> {
  const [result] = await addDocuments(scope, [input], options);
  return result as IngestedDocument;
}

/**
 * Adds many documents: the chunks of a batch are embedded together (the embedder batches its
 * calls), and each batch of documents is written in its own transaction, so a failure keeps the
 * batches before it and writes nothing of its own. `onProgress(done, total)` after each batch.
 * Every document is checked before the first is embedded.
 *
 * @example
 * await addDocuments(tenant, docs, { onProgress: (done, total) => console.log(`${done}/${total}`) });
 */
export async function addDocuments(
  scope: TenantScope,
  inputs: readonly DocumentInput[],
  options: BulkIngestOptions = {},
): Promise<IngestedDocument[]> {
  const tenant = requireTenantScope(scope, 'addDocuments');
  const fn = inputs.length === 1 ? 'addDocument' : 'addDocuments';
  if (!Array.isArray(inputs)) fail('addDocuments', 'pass an array of documents.');
  const batchSize = options.batchSize ?? 50;
  if (!Number.isInteger(batchSize) || batchSize < 1) fail(fn, 'batchSize must be a positive integer.');
  const embedder = options.embedder ?? localEmbedder;
  const { tenantId } = tenant.context;
  const prepared = inputs.map((input, i) => {
    try {
      const p = prepare(fn, input, options);
      validateValues('knowledge_documents', { tenantId, ...p.document, source: p.source });
      return p;
    } catch (error) {
      if (inputs.length === 1 || !(error instanceof TenantDbError)) throw error;
      throw new TenantDbError(error.code, `${error.message} (document ${i})`, { cause: error });
    }
  });
  const results: IngestedDocument[] = [];
  for (let start = 0; start < prepared.length; start += batchSize) {
    const batch = prepared.slice(start, start + batchSize);
    const { vectors, usage } = await embedAll(
      fn,
      embedder,
      batch.flatMap((p) => p.chunks),
    );
    const written = await tenant.transaction(async (tx, inner) => {
      const documents = await tx
        .insert(knowledgeDocuments)
        .values(batch.map((p) => ({ tenantId, ...p.document, source: p.source })))
        .returning({ id: knowledgeDocuments.id });
      const rows: (typeof knowledgeChunks.$inferInsert)[] = [];
      let offset = 0;
      const out = batch.map((p, i) => {
        const documentId = (documents[i] as { id: string }).id;
        rows.push(
          ...chunkRows(tenantId, documentId, p, vectors.slice(offset, offset + p.chunks.length), embedder.model),
        );
        offset += p.chunks.length;
        return { documentId, chunkCount: p.chunks.length, embedded: p.chunks.length } as IngestedDocument;
      });
      await insertChunks(tx, rows);
      await recordUsage(inner, usage, fn);
      return out;
    });
    // The usage of a batch belongs to its documents together; a single document gets it whole.
    if (usage !== undefined && inputs.length === 1 && written[0]) written[0] = { ...written[0], usage };
    results.push(...written);
    options.onProgress?.(results.length, prepared.length);
  }
  return results;
}

/**
 * Replaces a document's title, content, category, source or metadata (what `input` gives). When
 * the content or the chunking changes, the document is chunked again and only chunks whose text
 * (and model) is new are embedded: the others keep their vectors. One transaction for the write.
 * NOT_FOUND-like misses are INVALID_INPUT (the document is not in this tenant).
 *
 * @example
 * const { embedded } = await updateDocument(tenant, documentId, { content: revised });
 */
export async function updateDocument(
  scope: TenantScope,
  documentId: string,
  input: Partial<DocumentInput>,
  options: IngestOptions = {},
): Promise<IngestedDocument> {
  const tenant = requireTenantScope(scope, 'updateDocument');
  if (!isUuid(documentId)) fail('updateDocument', `documentId must be a UUID (got ${typeof documentId}).`);
  if (input === null || typeof input !== 'object') fail('updateDocument', 'pass the fields to change.');
  const { tenantId } = tenant.context;
  const embedder = options.embedder ?? localEmbedder;
  const current = await tenant.transaction(async (tx) => {
    const [document] = await tx
      .select()
      .from(knowledgeDocuments)
      .where(and(eq(knowledgeDocuments.tenantId, tenantId), eq(knowledgeDocuments.id, documentId)));
    if (!document) return undefined;
    const chunks = await tx
      .select({
        content: knowledgeChunks.content,
        model: knowledgeChunks.embeddingModel,
        vector: sql<string>`${knowledgeChunks.embedding}::text`,
      })
      .from(knowledgeChunks)
      .where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.documentId, documentId)))
      .orderBy(asc(knowledgeChunks.position));
    return { document, chunks };
  });
  if (current === undefined) fail('updateDocument', `this tenant has no document ${documentId}.`);
  const next: DocumentInput = {
    title: input.title ?? current.document.title,
    content: input.content ?? current.document.content,
    category: input.category === undefined ? current.document.category : input.category,
    source: input.source === undefined ? current.document.source : input.source,
    metadata: input.metadata ?? current.document.metadata,
  };
  const prepared = prepare('updateDocument', next, options);
  validateValues('knowledge_documents', { tenantId, ...prepared.document, source: prepared.source });
  // Vectors of unchanged chunk texts (same model) are kept.
  const kept = new Map<string, number[]>();
  for (const c of current.chunks) if (c.model === embedder.model) kept.set(c.content, JSON.parse(c.vector) as number[]);
  const missing = [...new Set(prepared.chunks.filter((c) => !kept.has(c)))];
  const { vectors, usage } = await embedAll('updateDocument', embedder, missing);
  missing.forEach((content, i) => kept.set(content, vectors[i] as number[]));
  const all = prepared.chunks.map((c) => kept.get(c) as number[]);
  await tenant.transaction(async (tx, inner) => {
    await tx
      .update(knowledgeDocuments)
      .set({ ...prepared.document, source: prepared.source })
      .where(and(eq(knowledgeDocuments.tenantId, tenantId), eq(knowledgeDocuments.id, documentId)));
    await tx
      .delete(knowledgeChunks)
      .where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.documentId, documentId)));
    await insertChunks(tx, chunkRows(tenantId, documentId, prepared, all, embedder.model));
    await recordUsage(inner, usage, 'updateDocument');
  });
  return {
    documentId,
    chunkCount: prepared.chunks.length,
    embedded: missing.length,
    ...(usage ? { usage } : {}),
  };
}

/**
 * Removes a document and its chunks. Resolves to whether the tenant had it.
 *
 * @example
 * await removeDocument(tenant, documentId);
 */
export async function removeDocument(scope: TenantScope, documentId: string): Promise<boolean> {
  const tenant = requireTenantScope(scope, 'removeDocument');
  if (!isUuid(documentId)) fail('removeDocument', `documentId must be a UUID (got ${typeof documentId}).`);
  const { tenantId } = tenant.context;
  return tenant.transaction(async (tx) => {
    await tx
      .delete(knowledgeChunks)
      .where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.documentId, documentId)));
    const removed = await tx
      .delete(knowledgeDocuments)
      .where(and(eq(knowledgeDocuments.tenantId, tenantId), eq(knowledgeDocuments.id, documentId)))
      .returning({ id: knowledgeDocuments.id });
    return removed.length > 0;
  });
}

/**
 * Adds a document to the platform-wide knowledge every tenant reads and none writes (system
 * work): the document and its embedded chunks, in one transaction.
 *
 * @example
 * await addGlobalDocument(system, { title: 'Getting started', content, category: 'onboarding' });
 */
export async function addGlobalDocument(
  scope: SystemScope,
  input: Omit<DocumentInput, 'source'>,
  options: IngestOptions = {},
): Promise<IngestedDocument> {
  const system = requireSystemScope(scope, 'addGlobalDocument');
  const prepared = prepare('addGlobalDocument', input, options);
  validateValues('global_knowledge_documents', prepared.document);
  const embedder = options.embedder ?? localEmbedder;
  const { vectors, usage } = await embedAll('addGlobalDocument', embedder, prepared.chunks);
  return system.transaction(async (tx) => {
    const [row] = await tx
      .insert(globalKnowledgeDocuments)
      .values(prepared.document)
      .returning({ id: globalKnowledgeDocuments.id });
    if (!row) throw new Error('insert into global_knowledge_documents returned no row');
    const rows = prepared.chunks.map((content, position) => ({
      documentId: row.id,
      position,
      content,
      embedding: vectors[position] as number[],
      embeddingModel: embedder.model,
    }));
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      await tx.insert(globalKnowledgeChunks).values(rows.slice(i, i + ROWS_PER_INSERT));
    }
    return { documentId: row.id, chunkCount: rows.length, embedded: rows.length, ...(usage ? { usage } : {}) };
  });
}
