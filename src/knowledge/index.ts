/** Knowledge: chunking and the deterministic local embedder (ingestion and search arrive with the knowledge module). */
export { chunkText, embed, type ChunkOptions } from './embedder.ts';
