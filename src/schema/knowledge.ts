import { sql } from 'drizzle-orm';
import { customType, index, integer, jsonb, pgPolicy, text, timestamp, uuid, vector } from 'drizzle-orm/pg-core';
import { globalTable } from '../contract/global-table.ts';
import { appRole } from '../contract/roles.ts';
import { tenantReference, tenantTable } from '../contract/tenant-table.ts';

/** Embedding width (Voyage multimodal-3, as in the seed). */
export const EMBEDDING_DIMENSIONS = 1024;

/** The model of vectors stored before models were recorded: the local embedder's. */
const FIRST_MODEL = sql`'tenantdb-local-hash-v1'`;

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

type KnowledgeMetadata = { source?: string; url?: string; author?: string; tags?: string[] };

export const knowledgeDocuments = tenantTable(
  'knowledge_documents',
  {
    title: text('title').notNull(),
    content: text('content').notNull(),
    category: text('category'),
    source: text('source'),
    /**
     * Not written by tenantdb: search ranks documents through their chunks (a document is as
     * relevant as its best chunk), and a whole document often exceeds a model's input limit.
     * Kept from seed 004 for applications that store their own document vectors; unindexed.
     */
    embedding: vector('embedding', { dimensions: EMBEDDING_DIMENSIONS }),
    metadata: jsonb('metadata').$type<KnowledgeMetadata>().notNull().default({}),
  },
  {
    audit: {},
    extra: (t) => [index('knowledge_documents_tenant_category_idx').on(t.tenantId, t.category)],
  },
);

/** Chunks of a document: an embedding (HNSW, cosine) and a full-text vector for hybrid search. */
export const knowledgeChunks = tenantTable(
  'knowledge_chunks',
  {
    documentId: uuid('document_id').notNull(),
    position: integer('position').notNull(),
    content: text('content').notNull(),
    embedding: vector('embedding', { dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    /** The model that produced `embedding`: search compares vectors of one model only. */
    embeddingModel: text('embedding_model').notNull().default(FIRST_MODEL),
    tsv: tsvector('tsv').generatedAlwaysAs(sql`to_tsvector('english'::regconfig, content)`),
    metadata: jsonb('metadata')
      .$type<{ chunkSize?: number; overlapSize?: number; words?: number }>()
      .notNull()
      .default({}),
  },
  {
    extra: (t) => [
      tenantReference(t, t.documentId, knowledgeDocuments),
      index('knowledge_chunks_tenant_document_idx').on(t.tenantId, t.documentId, t.position),
      index('knowledge_chunks_tenant_model_idx').on(t.tenantId, t.embeddingModel),
      index('knowledge_chunks_embedding_idx')
        .using('hnsw', t.embedding.op('vector_cosine_ops'))
        .with({ m: 16, ef_construction: 64 }),
      index('knowledge_chunks_tsv_idx').using('gin', t.tsv),
    ],
  },
);

/** Knowledge every tenant can read and none can write (maintained in the system context). */
export const globalKnowledgeDocuments = globalTable(
  'global_knowledge_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    content: text('content').notNull(),
    category: text('category'),
    metadata: jsonb('metadata').$type<KnowledgeMetadata>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  {
    reason: 'platform-wide knowledge readable by every tenant; written only in the system context',
    extra: () => [pgPolicy('global_knowledge_documents_select_all', { for: 'select', to: appRole, using: sql`true` })],
  },
);

export const globalKnowledgeChunks = globalTable(
  'global_knowledge_chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => globalKnowledgeDocuments.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    content: text('content').notNull(),
    embedding: vector('embedding', { dimensions: EMBEDDING_DIMENSIONS }).notNull(),
    embeddingModel: text('embedding_model').notNull().default(FIRST_MODEL),
    tsv: tsvector('tsv').generatedAlwaysAs(sql`to_tsvector('english'::regconfig, content)`),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  {
    reason: 'chunks of the platform-wide knowledge; readable by every tenant, written only in the system context',
    extra: (t) => [
      index('global_knowledge_chunks_document_idx').on(t.documentId, t.position),
      index('global_knowledge_chunks_embedding_idx')
        .using('hnsw', t.embedding.op('vector_cosine_ops'))
        .with({ m: 16, ef_construction: 64 }),
      index('global_knowledge_chunks_tsv_idx').using('gin', t.tsv),
      pgPolicy('global_knowledge_chunks_select_all', { for: 'select', to: appRole, using: sql`true` }),
    ],
  },
);
