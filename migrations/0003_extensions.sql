-- pgvector for the knowledge base embeddings (PGlite ships it; on a server, install the package).
CREATE EXTENSION IF NOT EXISTS vector;
