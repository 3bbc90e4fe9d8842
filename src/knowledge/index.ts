/** Knowledge: ingestion (chunking, embedding, one transaction per document), hybrid search, re-embedding. */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import {
  addDocument,
  addDocuments,
  addGlobalDocument,
  removeDocument,
  updateDocument,
  type BulkIngestOptions,
  type DocumentInput,
  type IngestOptions,
} from './documents.ts';
import { reembedKnowledge, type ReembedOptions } from './reembed.ts';
import { search, type SearchInput, type SearchOptions } from './search.ts';

export { chunkText, DEFAULT_CHUNKING, type ChunkOptions } from './chunk.ts';
export { checkVectors, type Embedder, type EmbeddingUsage } from './embedder.ts';
export { httpEmbedder, type HttpEmbedderOptions } from './http-embedder.ts';
export { embed, localEmbedder, LOCAL_EMBEDDING_MODEL } from './local-embedder.ts';
export {
  addDocument,
  addDocuments,
  addGlobalDocument,
  removeDocument,
  updateDocument,
  type BulkIngestOptions,
  type DocumentInput,
  type IngestedDocument,
  type IngestOptions,
} from './documents.ts';
export { reembedKnowledge, type ReembedOptions, type ReembedResult } from './reembed.ts';
export {
  EXACT_LIMIT,
  search,
  type SearchInput,
  type SearchOptions,
  type SearchReport,
  type SearchResult,
} from './search.ts';

/** The tenant client's `knowledge` namespace. */
export function knowledgeNamespace(scope: TenantScope) {
  return {
    addDocument: (input: DocumentInput, options?: IngestOptions) => addDocument(scope, input, options),
    addDocuments: (inputs: readonly DocumentInput[], options?: BulkIngestOptions) =>
      addDocuments(scope, inputs, options),
    updateDocument: (documentId: string, input: Partial<DocumentInput>, options?: IngestOptions) =>
      updateDocument(scope, documentId, input, options),
    removeDocument: (documentId: string) => removeDocument(scope, documentId),
    search: (input: SearchInput, options?: SearchOptions) => search(scope, input, options),
  };
}

/** The system client's `knowledge` namespace. */
export function systemKnowledgeNamespace(scope: SystemScope) {
  return {
    addGlobalDocument: (input: Omit<DocumentInput, 'source'>, options?: IngestOptions) =>
      addGlobalDocument(scope, input, options),
    reembed: (options: ReembedOptions) => reembedKnowledge(scope, options),
  };
}
