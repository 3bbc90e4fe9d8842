/**
 * Hybrid knowledge search: a vector list and a full-text list (`websearch_to_tsquery`) over the
 * tenant's chunks and the global chunks, fused by reciprocal rank (RRF: Σ 1 / (60 + rank), so
 * cosine distances and text ranks, which live on different scales, are never added).
 *
 * The vector list is right for every tenant size. pgvector's HNSW index spans every tenant, and
 * a tenant filter is applied after the index scan: for a small tenant almost every candidate is
 * another tenant's, and a plain HNSW query returns fewer than k rows (0 of 10 measured when the
 * plan uses the index), or misses neighbours (recall 0.785 for a tenant of 16 % of the rows). So
 * each query picks its strategy from the tenant's size n and the table's size N: the exact scan
 * of the tenant's rows (its tenant-leading index, then a sort) costs about n distances; the HNSW
 * scan with pgvector 0.8's iterative scan (`hnsw.iterative_scan = relaxed_order`, going on until
 * the list is full) visits about depth × N / n candidates, each dearer. Exact up to
 * max(EXACT_LIMIT, √(250 · N)) chunks (the constant measured on the bench's 50,000 chunks), HNSW
 * above, with `ef_search` (100: recall 0.99 where 40 gave 0.915) and `max_scan_tuples` set
 * transaction-locally, and the planner steered to the index scan (tenantdb.vector_search_settings).
 */
import { sql, type SQL } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { EMBEDDING_DIMENSIONS } from '../schema/knowledge.ts';
import { requireTenantScope, rowsOf, type TenantScope } from '../tenancy/index.ts';
import { checkVectors, type Embedder } from './embedder.ts';
import { localEmbedder } from './local-embedder.ts';

export interface SearchInput {
  /** The question: embedded for the vector list (unless `embedding` is given) and the full-text list. */
  text?: string;
  /** A query vector of the embedder's model, instead of embedding `text`. */
  embedding?: number[];
  /** Results wanted (1–100). Default 10. */
  k?: number;
  /** Only documents of this category. */
  category?: string;
  /** Only documents carrying at least one of these tags (`metadata.tags`). */
  tags?: string[];
  /** Search the platform-wide knowledge too. Default true. */
  includeGlobal?: boolean;
}

export interface SearchOptions {
  /** The model of the query vector; only chunks of this model are compared. Default: the local embedder. */
  embedder?: Embedder;
  /** `auto` (default) picks from the tenant's size; `exact` and `hnsw` force one (for measuring). */
  strategy?: 'auto' | 'exact' | 'hnsw';
}

export interface SearchResult {
  chunkId: string;
  documentId: string;
  /** The document's title. */
  title: string;
  category: string | null;
  content: string;
  /** The matching words highlighted (`ts_headline`), or the chunk's start without a text match. */
  snippet: string;
  /** Cosine distance to the query vector; null when the chunk came from the full-text list only. */
  distance: number | null;
  /** `ts_rank_cd` of the chunk; null when it came from the vector list only. */
  textRank: number | null;
  /** The fused score (RRF), highest first. */
  score: number;
  /** Platform-wide knowledge rather than the tenant's. */
  global: boolean;
}

export interface SearchReport {
  results: SearchResult[];
  /** The vector strategy this query used, and the tenant's chunk count it was chosen from (capped at 50,000). */
  strategy: 'exact' | 'hnsw';
  tenantChunks: number;
}

/** Up to this many chunks of a tenant the vector list is always an exact scan (more on a big table). */
export const EXACT_LIMIT = 1000;
/** Exact costs ≈ n distances, HNSW ≈ depth · N / n candidates at ≈ 6× a distance each: √(6 · 40 · N). */
const CROSSOVER = 250;
/** The tenant's chunks are counted up to this many (the count is an index-only scan). */
const COUNT_CAP = 50_000;
/** The RRF constant (Cormack et al.): ranks, not scores, are fused. */
const RRF_K = 60;

function fail(message: string): never {
  throw new TenantDbError('INVALID_INPUT', `search: ${message}`);
}

const vectorText = (v: number[]) => `[${v.join(',')}]`;

/**
 * Searches the scope's tenant knowledge (and the global knowledge) for `text`: up to `k` chunks
 * with their document, a snippet, the vector distance, the text rank and the fused score. One
 * short transaction: the tenant's size (bounded count), the HNSW settings when they are used,
 * and one statement for both lists of both sources.
 *
 * @example
 * const { results } = await search(tenant, { text: 'contractor discount', k: 5 });
 */
export async function search(
  scope: TenantScope,
  input: SearchInput,
  options: SearchOptions = {},
): Promise<SearchReport> {
  const tenant = requireTenantScope(scope, 'search');
  if (input === null || typeof input !== 'object') fail('pass { text } or { embedding }.');
  const text = input.text;
  if (text !== undefined && (typeof text !== 'string' || text.trim() === '')) fail('text must be a non-empty string.');
  if (text === undefined && input.embedding === undefined) fail('pass text, an embedding, or both.');
  if (text !== undefined && text.length > 10_000) fail('text is longer than 10,000 characters.');
  const k = input.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > 100) fail(`k must be an integer from 1 to 100 (got ${String(k)}).`);
  if (input.category !== undefined && typeof input.category !== 'string') fail('category must be a string.');
  if (input.tags !== undefined && !(Array.isArray(input.tags) && input.tags.every((t) => typeof t === 'string'))) {
    fail('tags must be an array of strings.');
  }
  const strategyWanted = options.strategy ?? 'auto';
  if (!['auto', 'exact', 'hnsw'].includes(strategyWanted)) fail('strategy must be auto, exact or hnsw.');
  const embedder = options.embedder ?? localEmbedder;
  let query: number[];
  if (input.embedding !== undefined) {
    query = checkVectors('search', embedder, [input.embedding], 1, EMBEDDING_DIMENSIONS)[0] as number[];
  } else {
    const { vectors } = await embedder.embed([text as string]);
    query = checkVectors('search', embedder, vectors, 1, EMBEDDING_DIMENSIONS)[0] as number[];
  }
  const includeGlobal = input.includeGlobal ?? true;
  const { tenantId } = tenant.context;
  // Each list is longer than k, so a chunk ranked low in one list can still be fused in.
  const depth = Math.min(4 * k, 200);
  const model = embedder.model;
  const v = vectorText(query);

  return tenant.transaction(async (tx) => {
    // The tenant's size (bounded) and the table's (the planner's estimate) choose the strategy.
    const [size] = rowsOf<{ n: number; total: number }>(
      await tx.execute(sql`select
        (select count(*) from (select 1 from knowledge_chunks
           where tenant_id = ${tenantId} and embedding_model = ${model} limit ${COUNT_CAP}) c)::int as n,
        (select greatest(reltuples, 0) from pg_catalog.pg_class where oid = 'public.knowledge_chunks'::regclass)::float8 as total`),
    );
    const tenantChunks = size?.n ?? 0;
    const limit = Math.max(EXACT_LIMIT, Math.sqrt(CROSSOVER * Math.max(size?.total ?? 0, tenantChunks)));
    const strategy = strategyWanted === 'auto' ? (tenantChunks > limit ? 'hnsw' : 'exact') : strategyWanted;
    if (strategy === 'hnsw' || includeGlobal) {
      // A statement of its own: the SET LOCALs then reach Citus's workers before the search.
      await tx.execute(
        sql`select tenantdb.vector_search_settings(${Math.max(depth, 100)}::int, 20000::int, ${strategy === 'hnsw'})`,
      );
    }
    const documentFilter = (alias: SQL): SQL[] => {
      const parts: SQL[] = [];
      if (input.category !== undefined) parts.push(sql`${alias}.category = ${input.category}`);
      if (input.tags !== undefined) {
        const tags = input.tags.map((t) => sql`${t}`);
        parts.push(sql`coalesce(${alias}.metadata->'tags', '[]'::jsonb) ?| array[${sql.join(tags, sql`, `)}]::text[]`);
      }
      return parts;
    };
    const filtered = input.category !== undefined || input.tags !== undefined;
    const tenantDocs = documentFilter(sql`d`);
    const onlyDocs = filtered
      ? sql` and c.document_id in (select d.id from knowledge_documents d where d.tenant_id = ${tenantId} and ${sql.join(tenantDocs, sql` and `)})`
      : sql``;
    const globalDocs = documentFilter(sql`gd`);
    const onlyGlobalDocs = filtered
      ? sql` and c.document_id in (select gd.id from global_knowledge_documents gd where ${sql.join(globalDocs, sql` and `)})`
      : sql``;
    const tenantVector =
      strategy === 'exact'
        ? // OFFSET 0 keeps the distance computed per row of the tenant: the sort is exact.
          sql`select id, d from (select c.id, c.embedding <=> ${v}::vector as d from knowledge_chunks c
              where c.tenant_id = ${tenantId} and c.embedding_model = ${model}${onlyDocs} offset 0) x
              order by d limit ${depth}`
        : sql`select c.id, c.embedding <=> ${v}::vector as d from knowledge_chunks c
              where c.tenant_id = ${tenantId} and c.embedding_model = ${model}${onlyDocs}
              order by c.embedding <=> ${v}::vector limit ${depth}`;
    const textLists =
      text === undefined
        ? sql``
        : sql`, q as (select websearch_to_tsquery('english', ${text}) as tsq),
          tt as (select c.id, ts_rank_cd(c.tsv, q.tsq) as r from knowledge_chunks c, q
                 where c.tenant_id = ${tenantId} and c.tsv @@ q.tsq${onlyDocs} order by r desc limit ${depth})
          ${
            includeGlobal
              ? sql`, gt as (select c.id, ts_rank_cd(c.tsv, q.tsq) as r from global_knowledge_chunks c, q
                 where c.tsv @@ q.tsq${onlyGlobalDocs} order by r desc limit ${depth})`
              : sql``
          }`;
    const globalVector = includeGlobal
      ? sql`, gv as (select c.id, c.embedding <=> ${v}::vector as d from global_knowledge_chunks c
              where c.embedding_model = ${model}${onlyGlobalDocs} order by c.embedding <=> ${v}::vector limit ${depth})`
      : sql``;
    // One vector list and one text list, each over the tenant's and the global chunks together
    // (ranked against each other: a global chunk outranks a tenant chunk only by being closer).
    const vectors = [sql`select id, false as global, d from tv`];
    if (includeGlobal) vectors.push(sql`select id, true, d from gv`);
    const texts = [sql`select id, false as global, r from tt`];
    if (includeGlobal) texts.push(sql`select id, true, r from gt`);
    const ranked: SQL[] = [
      sql`select id, global, rank() over (order by d) as vr, d, null::int as tr, null::real as r
          from (${sql.join(vectors, sql` union all `)}) v`,
    ];
    if (text !== undefined) {
      ranked.push(sql`select id, global, null::bigint, null::float8, rank() over (order by r desc)::int, r
          from (${sql.join(texts, sql` union all `)}) t`);
    }
    const headline =
      text === undefined
        ? sql`left(x.content, 240)`
        : sql`ts_headline('english', x.content, (select tsq from q), 'MaxWords=30, MinWords=10, MaxFragments=2')`;
    const rows = rowsOf<{
      id: string;
      document_id: string;
      title: string;
      category: string | null;
      content: string;
      snippet: string;
      distance: number | null;
      text_rank: number | null;
      score: number;
      global: boolean;
    }>(
      await tx.execute(sql`with tv as (${tenantVector})${globalVector}${textLists},
        lists as (${sql.join(ranked, sql` union all `)}),
        fused as (
          select id, global, min(d) as distance, max(r) as text_rank,
                 sum(coalesce(1.0 / (${RRF_K} + vr), 0) + coalesce(1.0 / (${RRF_K} + tr), 0))::float8 as score
          from lists group by id, global
          order by score desc, id limit ${k}),
        hits as (
          select f.*, c.document_id, c.content, d.title, d.category from fused f
            join knowledge_chunks c on not f.global and c.tenant_id = ${tenantId} and c.id = f.id
            join knowledge_documents d on d.tenant_id = ${tenantId} and d.id = c.document_id
          union all
          select f.*, c.document_id, c.content, d.title, d.category from fused f
            join global_knowledge_chunks c on f.global and c.id = f.id
            join global_knowledge_documents d on d.id = c.document_id)
        select x.id, x.document_id, x.title, x.category, x.content, ${headline} as snippet,
               x.distance, x.text_rank, x.score, x.global
        from hits x order by x.score desc, x.id`),
    );
    // The planner steer must not outlive the search in the caller's transaction.
    if (strategy === 'hnsw') await tx.execute(sql`select tenantdb.reset_vector_search()`);
    return {
      strategy,
      tenantChunks,
      results: rows.map((r) => ({
        chunkId: r.id,
        documentId: r.document_id,
        title: r.title,
        category: r.category,
        content: r.content,
        snippet: r.snippet,
        distance: r.distance === null ? null : Number(r.distance),
        textRank: r.text_rank === null ? null : Number(r.text_rank),
        score: Number(r.score),
        global: r.global,
      })),
    };
  });
}
