/** Knowledge: ingest (chunking and the deterministic local embedder); search arrives with the knowledge module. */
export { chunkText, embed, type ChunkOptions } from './embedder.ts';
export {
  ingestDocument,
  ingestGlobalDocument,
  type IngestDocumentInput,
  type IngestedDocument,
  type IngestGlobalDocumentInput,
} from './ingest.ts';
