/**
 * The knowledge-search data set (`tenantdb_bench_knowledge` on a server, an in-memory PGlite with
 * --pglite): at scale 1, 50,000 chunks of 1,024 dimensions over 200 tenants of skewed size (the
 * biggest 16 % of the rows, the rest Zipf-like, the smallest under 0.1 %), plus one empty tenant
 * the ingestion measurement writes into and empties again.
 *
 * The vectors are clustered, not uniform noise: 50 random unit centroids; each tenant writes about
 * a few topics (centroids) of its own, and a chunk is its topic's centroid plus gaussian noise,
 * normalised. Queries are drawn the same way, near the tenant's topics.
 *
 * Everything is derived from a seeded PRNG, so the plan (tenant ids, sizes, topics, centroids) is
 * recomputed cheaply on every run and only the rows are stored. The rows are loaded as the
 * superuser in multi-row `INSERT … SELECT FROM unnest(…)` batches with the triggers skipped
 * (consistent by construction, as bench/generate.ts does), with the HNSW index dropped during the
 * load and rebuilt afterwards from its own definition (`pg_get_indexdef`), then ANALYZEd.
 */
import { LOCAL_EMBEDDING_MODEL } from '../src/knowledge/index.ts';
import { EMBEDDING_DIMENSIONS } from '../src/schema/knowledge.ts';
import { openBenchDatabase, type Backend, type BenchDatabase } from './databases.ts';
import { format, log, Progress, timed } from './progress.ts';
import { int, prng, sentence, uuid, type Random } from './random.ts';

/** Bump when the generated data changes shape: a recorded data set is then regenerated. */
const GENERATOR_VERSION = 1;
const DATABASE = 'tenantdb_bench_knowledge';
const BATCH_CHUNKS = 1000;
/** PGlite (WASM, one connection) builds HNSW slowly: its data set is capped at this many chunks. */
export const PGLITE_MAX_CHUNKS = 10_000;
export const HNSW_INDEX = 'knowledge_chunks_embedding_idx';

export interface KnowledgeSpec {
  version: number;
  seed: number;
  tenants: number;
  chunks: number;
  dimensions: number;
  centroids: number;
  topicsPerTenant: number;
  /** Standard deviation of the per-dimension gaussian noise added to a centroid. */
  noise: number;
  /** The biggest tenant's share of the chunks. */
  largestShare: number;
  chunksPerDocument: number;
}

export interface KnowledgeTenant {
  /** Rank by size: 0 is the biggest. */
  rank: number;
  id: string;
  chunks: number;
  /** Indexes into the plan's centroids. */
  topics: number[];
}

export interface KnowledgePlan {
  spec: KnowledgeSpec;
  centroids: Float64Array[];
  /** Biggest first. */
  tenants: KnowledgeTenant[];
  /** Holds no data set rows: the ingestion measurement writes here and empties it again. */
  ingestTenant: KnowledgeTenant;
}

export interface KnowledgeInfo {
  spec: KnowledgeSpec;
  counts: Record<string, number>;
  reused: boolean;
  generationSeconds: number;
  /** The HNSW build after the load, when the data was generated (a reused set keeps its own). */
  indexBuildSeconds: number;
  maintenanceWorkMem: string;
}

/** The spec for `scale`; on PGlite capped at PGLITE_MAX_CHUNKS (the note says so). */
export function knowledgeSpec(scale: number, backend: Backend['kind']): { spec: KnowledgeSpec; note?: string } {
  const wanted = Math.max(400, Math.round(50_000 * scale));
  const chunks = backend === 'pglite' ? Math.min(wanted, PGLITE_MAX_CHUNKS) : wanted;
  const spec: KnowledgeSpec = {
    version: GENERATOR_VERSION,
    seed: 11,
    tenants: 200,
    chunks,
    dimensions: EMBEDDING_DIMENSIONS,
    centroids: 50,
    topicsPerTenant: 5,
    noise: 0.02,
    largestShare: 0.16,
    chunksPerDocument: 4,
  };
  if (chunks === wanted) return { spec };
  return {
    spec,
    note:
      `PGlite: scaled down from ${format(wanted)} to ${format(chunks)} chunks ` +
      '(an HNSW build of more 1,024-dimension vectors in WASM takes minutes)',
  };
}

/** Chunks per tenant: the biggest fixed at `largestShare`, the others ∝ 1/(rank + 1), each ≥ 1. */
function tenantSizes(spec: KnowledgeSpec): number[] {
  const weights = Array.from({ length: spec.tenants - 1 }, (_, i) => 1 / (i + 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  const largest = Math.round(spec.chunks * spec.largestShare);
  const rest = spec.chunks - largest;
  const exact = weights.map((w) => (rest * w) / sum);
  const parts = exact.map((x) => Math.max(1, Math.floor(x)));
  let left = rest - parts.reduce((a, b) => a + b, 0);
  // Largest remainders first, so the total is exact (floors of 1 can overshoot at tiny scales).
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) {
    const i = (order[j] as { i: number }).i;
    parts[i] = (parts[i] as number) + 1;
  }
  return [largest, ...parts];
}

/** The plan of the data set: recomputed from the seed on every run (no rows generated). */
export function knowledgePlan(spec: KnowledgeSpec): KnowledgePlan {
  const random = prng(spec.seed);
  const centroids = Array.from({ length: spec.centroids }, () => unit(gaussianVector(random, spec.dimensions, 1)));
  const topicsOf = (r: Random) => {
    const topics = new Set<number>();
    while (topics.size < Math.min(spec.topicsPerTenant, spec.centroids)) topics.add(int(r, 0, spec.centroids - 1));
    return [...topics];
  };
  const tenants = tenantSizes(spec).map((chunks, rank) => ({
    rank,
    id: uuid(random),
    chunks,
    topics: topicsOf(random),
  }));
  const ingestTenant = { rank: spec.tenants, id: uuid(random), chunks: 0, topics: topicsOf(random) };
  return { spec, centroids, tenants, ingestTenant };
}

/** A standard normal draw (Box–Muller). */
function gaussian(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function gaussianVector(random: Random, dimensions: number, sigma: number): Float64Array {
  const v = new Float64Array(dimensions);
  for (let i = 0; i < dimensions; i++) v[i] = gaussian(random) * sigma;
  return v;
}

function unit(v: Float64Array): Float64Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** One of the tenant's topics (picked by `random`) plus gaussian noise, normalised. */
export function clusteredVector(plan: KnowledgePlan, tenant: KnowledgeTenant, random: Random): number[] {
  const topic = tenant.topics[Math.floor(random() * tenant.topics.length)] as number;
  const centroid = plan.centroids[topic] as Float64Array;
  const v = gaussianVector(random, plan.spec.dimensions, plan.spec.noise);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + (centroid[i] as number);
  return Array.from(unit(v));
}

/** pgvector's text form; 6 decimals (float4 keeps about 7 digits). */
export function vectorText(v: readonly number[]): string {
  return `[${v.map((x) => x.toFixed(6)).join(',')}]`;
}

const INSERT_TENANTS = `
  INSERT INTO public.tenants (id, name, slug, plan, status)
  SELECT id, name, slug, 'pro', 'ACTIVE' FROM unnest($1::uuid[], $2::text[], $3::text[]) AS r(id, name, slug)`;
const INSERT_DOCUMENTS = `
  INSERT INTO public.knowledge_documents (tenant_id, id, title, content, metadata)
  SELECT tenant_id, id, title, content, '{}'::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
    AS r(tenant_id, id, title, content)`;
const INSERT_CHUNKS = `
  INSERT INTO public.knowledge_chunks (tenant_id, document_id, position, content, embedding, embedding_model)
  SELECT tenant_id, document_id, position, content, embedding::vector, $6
  FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[]) AS r(tenant_id, document_id, position, content, embedding)`;

/**
 * Opens the data set's database and makes sure it holds `spec`'s rows: reused when its
 * `bench_meta` records the same spec, otherwise dropped, recreated, migrated and generated.
 */
export async function ensureKnowledgeDataset(
  backend: Backend,
  spec: KnowledgeSpec,
  options: { regenerate: boolean },
): Promise<{ bench: BenchDatabase; info: KnowledgeInfo; plan: KnowledgePlan }> {
  const plan = knowledgePlan(spec);
  let bench = await openBenchDatabase(backend, DATABASE, { fresh: false, concurrency: 1 });
  try {
    const stored = await readMeta(bench);
    const problem =
      backend.kind === 'pglite'
        ? 'PGlite is in memory: generated on every run'
        : options.regenerate
          ? '--regenerate'
          : stored === undefined
            ? 'no data generated yet'
            : sameSpec(spec, stored.spec)
              ? undefined
              : 'the recorded data set differs from the one asked for (scale, or a newer generator)';
    if (problem === undefined && stored !== undefined) {
      await emptyIngestTenant(bench, plan);
      log(`${DATABASE}: reusing the knowledge data (${describe(stored.counts)})`);
      return { bench, info: { ...stored, reused: true }, plan };
    }
    log(`${DATABASE}: generating knowledge data (${problem})`);
    if (backend.kind === 'postgres') {
      await bench.close();
      bench = await openBenchDatabase(backend, DATABASE, { fresh: true, concurrency: 1 });
    }
    const info = await generate(bench, plan);
    return { bench, info, plan };
  } catch (error) {
    await bench.close();
    throw error;
  }
}

function sameSpec(a: KnowledgeSpec, b: KnowledgeSpec): boolean {
  // jsonb does not keep key order, so compare key by key.
  const keys = Object.keys(a) as (keyof KnowledgeSpec)[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

async function readMeta(bench: BenchDatabase): Promise<KnowledgeInfo | undefined> {
  const [exists] = await bench.raw.query<{ ok: boolean }>("SELECT to_regclass('public.bench_meta') IS NOT NULL AS ok");
  if (!exists?.ok) return undefined;
  const [row] = await bench.raw.query<{ value: KnowledgeInfo }>(
    "SELECT value FROM public.bench_meta WHERE key = 'knowledge'",
  );
  return row?.value;
}

/** Removes what the ingestion measurement wrote (also what an interrupted run left). */
export async function emptyIngestTenant(bench: BenchDatabase, plan: KnowledgePlan): Promise<number> {
  const tenantId = plan.ingestTenant.id;
  return bench.db.rawTransaction(async (session) => {
    const chunks = await session.command('DELETE FROM public.knowledge_chunks WHERE tenant_id = $1', [tenantId]);
    await session.command('DELETE FROM public.knowledge_documents WHERE tenant_id = $1', [tenantId]);
    await session.command('DELETE FROM public.audit_logs WHERE tenant_id = $1', [tenantId]);
    return chunks;
  });
}

async function generate(bench: BenchDatabase, plan: KnowledgePlan): Promise<KnowledgeInfo> {
  const started = performance.now();
  const { spec } = plan;
  const [index] = await bench.raw.query<{ def: string }>(
    'SELECT pg_get_indexdef(indexrelid) AS def FROM pg_catalog.pg_index WHERE indexrelid = to_regclass($1)',
    [`public.${HNSW_INDEX}`],
  );
  if (!index) throw new Error(`${HNSW_INDEX} is missing: the migrations should have created it.`);
  // Inserting 1,024-dimension vectors one by one into an HNSW graph is far slower than building
  // the graph once over the loaded rows: drop it, load, rebuild it from its own definition.
  await bench.raw.query(`DROP INDEX public.${HNSW_INDEX}`);

  const all = [...plan.tenants, plan.ingestTenant];
  await bench.db.rawTransaction(async (session) => {
    await session.command(INSERT_TENANTS, [
      all.map((t) => t.id),
      all.map((t) => `Knowledge tenant ${t.rank}`),
      all.map((t) => `knowledge-${t.rank}`),
    ]);
  });

  const progress = new Progress(`${DATABASE}: generating`, spec.chunks, 'chunks');
  let documents: unknown[][] = [[], [], [], []];
  let chunks: unknown[][] = [[], [], [], [], []];
  const flush = async () => {
    if ((chunks[0] as unknown[]).length === 0) return;
    const [d, c] = [documents, chunks];
    documents = [[], [], [], []];
    chunks = [[], [], [], [], []];
    await bench.db.rawTransaction(async (session) => {
      // Consistent by construction: skip the per-row foreign-key and audit triggers (this batch only).
      await session.exec('SET LOCAL session_replication_role = replica');
      await session.command(INSERT_DOCUMENTS, d);
      await session.command(INSERT_CHUNKS, [...c, LOCAL_EMBEDDING_MODEL]);
    });
    progress.tick((c[0] as unknown[]).length);
  };
  for (const tenant of plan.tenants) {
    const random = prng(spec.seed * 1_000_003 + tenant.rank);
    let documentId = '';
    for (let n = 0; n < tenant.chunks; n++) {
      const position = n % spec.chunksPerDocument;
      if (position === 0) {
        documentId = uuid(random);
        push(documents, tenant.id, documentId, `Document ${n / spec.chunksPerDocument + 1}`, sentence(random, 12));
      }
      push(chunks, tenant.id, documentId, position, sentence(random, int(random, 20, 60)));
      (chunks[4] as unknown[]).push(vectorText(clusteredVector(plan, tenant, random)));
      if ((chunks[0] as unknown[]).length >= BATCH_CHUNKS && position === spec.chunksPerDocument - 1) await flush();
    }
    // A document never spans two batches (its chunks reference it).
    await flush();
  }
  await flush();
  progress.finish();

  const [memory] = await bench.raw.query<{ maintenance_work_mem: string }>('SHOW maintenance_work_mem');
  const buildStarted = performance.now();
  await timed(`${DATABASE}: building ${HNSW_INDEX} over ${format(spec.chunks)} vectors`, () =>
    bench.db.rawTransaction(async (session) => {
      // The whole graph in memory makes the build several times faster (this transaction only).
      await session.exec(`SET LOCAL maintenance_work_mem = '${bench.url === undefined ? '512MB' : '1GB'}'`);
      await session.exec(index.def);
    }),
  );
  const indexBuildSeconds = round1((performance.now() - buildStarted) / 1000);
  await timed(`${DATABASE}: VACUUM (ANALYZE)`, () =>
    bench.raw.query('VACUUM (ANALYZE) public.tenants, public.knowledge_documents, public.knowledge_chunks'),
  );

  const counts: Record<string, number> = {};
  for (const table of ['tenants', 'knowledge_documents', 'knowledge_chunks']) {
    const [row] = await bench.raw.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.${table}`);
    counts[table] = row?.n ?? 0;
  }
  const info: KnowledgeInfo = {
    spec,
    counts,
    reused: false,
    generationSeconds: round1((performance.now() - started) / 1000),
    indexBuildSeconds,
    maintenanceWorkMem: bench.url === undefined ? '512MB' : '1GB',
  };
  log(`${DATABASE}: ${describe(counts)}; default maintenance_work_mem ${memory?.maintenance_work_mem ?? '?'}`);
  await bench.db.rawTransaction(async (session) => {
    await session.exec('CREATE TABLE IF NOT EXISTS public.bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)');
    await session.command(
      "INSERT INTO public.bench_meta (key, value) VALUES ('knowledge', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      [JSON.stringify({ ...info, reused: undefined })],
    );
  });
  return info;
}

function push(columns: unknown[][], ...values: unknown[]): void {
  values.forEach((value, i) => (columns[i] as unknown[]).push(value));
}

function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([table, n]) => `${format(n)} ${table}`)
    .join(', ');
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
