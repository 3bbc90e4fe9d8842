/** Knowledge: ingest (chunking and the deterministic local embedder); search arrives with the knowledge module. */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import {
  ingestDocument,
  ingestGlobalDocument,
  type IngestDocumentInput,
  type IngestGlobalDocumentInput,
} from './ingest.ts';

export { chunkText, embed, type ChunkOptions } from './embedder.ts';
export {
  ingestDocument,
  ingestGlobalDocument,
  type IngestDocumentInput,
  type IngestedDocument,
  type IngestGlobalDocumentInput,
} from './ingest.ts';

/** The tenant client's `knowledge` namespace. */
export function knowledgeNamespace(scope: TenantScope) {
  return {
    ingest: (input: IngestDocumentInput) => ingestDocument(scope, input),
  };
}

/** The system client's `knowledge` namespace. */
export function systemKnowledgeNamespace(scope: SystemScope) {
  return {
    ingestGlobal: (input: IngestGlobalDocumentInput) => ingestGlobalDocument(scope, input),
  };
}
