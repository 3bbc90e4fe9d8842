/**
 * The sample data (`tenantdb seed`, `npm start`): idempotent, every table filled for every sample
 * tenant, embeddings searchable, and no row of one tenant pointing at another tenant's row.
 */
import { getTableName, sql } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSampleData, SAMPLE_TENANTS, type SampleTenant } from '../src/demo/sample-data.ts';
import { chunkText } from '../src/knowledge/chunk.ts';
import { embed } from '../src/knowledge/local-embedder.ts';
import { globalTables, tenantTables, withSystemContext, withTenantContext, type OrmTransaction } from '../src/index.ts';
import { EMBEDDING_DIMENSIONS } from '../src/schema/knowledge.ts';
import { tenantForeignKeys } from '../src/contract/row-factory.ts';
import { backend, createTestDatabase, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { rowsOf } from '../src/db/rows.ts';

let t: TestDatabase;
let db: TestDb;
let sample: SampleTenant[];
let firstSeedMs = 0;

async function query<R>(tx: OrmTransaction, statement: ReturnType<typeof sql>): Promise<R[]> {
  return rowsOf<R>(await tx.execute(statement));
}

const system = <T>(fn: (tx: OrmTransaction) => Promise<T>) => withSystemContext(db, fn, { reason: 'seed test' });

function adminOf(tenant: SampleTenant) {
  const admin = tenant.people.find((p) => p.role === 'admin' || p.role === 'owner');
  if (!admin) throw new Error(`${tenant.slug} has no admin`);
  return admin;
}

/** Row counts of every table (tenant and global), read in the system context. */
function countEveryTable(): Promise<Record<string, number>> {
  const names = [...tenantTables(), ...globalTables()].map((x) => x.name);
  return system(async (tx) => {
    const rows = await query<{ name: string; n: number }>(
      tx,
      sql.join(
        names.map((name) => sql`select ${name} as name, count(*)::int as n from ${sql.identifier(name)}`),
        sql` union all `,
      ),
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.n]));
  });
}

const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  const started = performance.now();
  sample = await seedSampleData(db);
  firstSeedMs = performance.now() - started;
});

afterAll(async () => {
  console.log(`seed [${backend}]: ${Math.round(firstSeedMs)} ms`);
  await t?.dispose();
});

describe('embedder', () => {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

  it('gives unit vectors of EMBEDDING_DIMENSIONS, the same for the same text', () => {
    for (const text of ['Quarterly revenue grew 12%', '', '   ', 'Ünïcödé wörds ok', 'a']) {
      const v = embed(text);
      expect(v).toHaveLength(EMBEDDING_DIMENSIONS);
      expect(norm(v)).toBeCloseTo(1, 10);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(embed(text)).toEqual(v);
    }
    expect(embed('Hello, World!')).toEqual(embed('hello world'));
  });

  it('scores texts that share words higher than unrelated texts', () => {
    const query = embed('contractor discount on pro orders');
    const related = embed('verified contractor accounts receive a 12 percent discount on every Pro order');
    const unrelated = embed('encrypt laptops and phones that hold patient information');
    expect(cosine(query, related)).toBeGreaterThan(0.3);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  });

  it('chunks by words with overlap, covering every word', () => {
    const words = Array.from({ length: 25 }, (_, i) => `w${i}`);
    const chunks = chunkText(words.join('  \n '), { size: 10, overlap: 3 });
    expect(chunks.map((c) => c.split(' ').length)).toEqual([10, 10, 10, 4]);
    expect(chunks[1]?.split(' ').slice(0, 3)).toEqual(['w7', 'w8', 'w9']);
    expect(chunks.at(-1)?.split(' ').at(-1)).toBe('w24');
    expect(chunkText('a b c', { size: 10, overlap: 2 })).toEqual(['a b c']);
    expect(chunkText('  ', { size: 10, overlap: 2 })).toEqual([]);
    expect(() => chunkText('a', { size: 5, overlap: 5 })).toThrow(RangeError);
    expect(() => chunkText('a', { size: 0 })).toThrow(RangeError);
  });
});

describe(`sample data on ${backend}`, () => {
  it('creates the three tenants of seed 002 with their people', () => {
    expect(sample.map((s) => s.name)).toEqual(['Acme Corporation', 'Tech Startup Inc', 'Healthcare Co']);
    expect(sample.map((s) => s.people.map((p) => p.name))).toEqual(
      SAMPLE_TENANTS.map((s) => s.people.map((p) => p.name)),
    );
  });

  it('fills every tenant table for every sample tenant, as seen in its own context', async () => {
    const empty: string[] = [];
    for (const tenant of sample) {
      const counts = await withTenantContext(db, { tenantId: tenant.id, userId: adminOf(tenant).userId }, (tx) =>
        query<{ name: string; n: number; foreign_rows: number }>(
          tx,
          sql.join(
            tenantTables().map(
              ({ name }) =>
                sql`select ${name} as name, count(*)::int as n, (count(*) filter (where tenant_id <> ${tenant.id}::uuid))::int as foreign_rows from ${sql.identifier(name)}`,
            ),
            sql` union all `,
          ),
        ),
      );
      expect(counts).toHaveLength(tenantTables().length);
      for (const c of counts) {
        if (c.n === 0) empty.push(`${tenant.slug}.${c.name}`);
        expect(c.foreign_rows, `${tenant.slug} sees foreign ${c.name} rows`).toBe(0);
      }
    }
    expect(empty).toEqual([]);
  });

  it('fills every global table', async () => {
    const counts = await countEveryTable();
    const empty = globalTables()
      .map((g) => g.name)
      .filter((name) => !(counts[name]! > 0));
    expect(empty).toEqual([]);
  });

  it('is idempotent: a second seed returns the same tenants and changes no row count', async () => {
    const before = await countEveryTable();
    const again = await seedSampleData(db);
    expect(again).toEqual(sample);
    expect(await countEveryTable()).toEqual(before);
  });

  it('respects the plan limits and keeps secrets out', async () => {
    // Counted per tenant_id and matched here: on Citus, tenants is a reference table, and a
    // subquery over a distributed table correlated with it is not a query Citus can plan.
    const [limits, connectors, members] = await system((tx) =>
      Promise.all([
        query<{ id: string; slug: string; max_connectors: number; max_users: number }>(
          tx,
          sql`select id, slug, max_connectors, max_users from tenants`,
        ),
        query<{ tenant_id: string; n: number }>(
          tx,
          sql`select tenant_id, count(*)::int as n from connectors group by tenant_id`,
        ),
        query<{ tenant_id: string; n: number }>(
          tx,
          sql`select tenant_id, count(*)::int as n from tenant_members where status = 'ACTIVE' group by tenant_id`,
        ),
      ]),
    );
    const countOf = (rows: { tenant_id: string; n: number }[], id: string) =>
      rows.find((r) => r.tenant_id === id)?.n ?? 0;
    expect(limits.length).toBeGreaterThanOrEqual(3);
    for (const r of limits) {
      expect(countOf(connectors, r.id), r.slug).toBeLessThanOrEqual(r.max_connectors);
      expect(countOf(members, r.id), r.slug).toBeLessThanOrEqual(r.max_users);
    }
    const keys = await system((tx) =>
      query<{ prefix: string; key_hash: string }>(tx, sql`select prefix, key_hash from api_keys`),
    );
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(k.prefix).toMatch(/^tdb_[0-9a-f]{8}$/);
    }
    const credentials = await system((tx) =>
      query<{ c: string | null }>(tx, sql`select credentials_encrypted as c from connectors`),
    );
    for (const { c } of credentials) if (c !== null) expect(c).toMatch(/^enc:v1:/);
    // The audit trail was written by the triggers, with the key hashes redacted.
    const audited = await system((tx) =>
      query<{ hash: string }>(tx, sql`select after->>'key_hash' as hash from audit_logs where resource = 'api_keys'`),
    );
    expect(audited.length).toBe(keys.length);
    expect(new Set(audited.map((a) => a.hash))).toEqual(new Set(['[redacted]']));
  });

  it('stores one snapshot per tenant per day, and cost summaries that add up', async () => {
    // One router query per sample tenant (tenant_id = $1): the form Citus runs on one shard.
    const rows = await system((tx) =>
      Promise.all(
        sample.map(async (tenant) => {
          const [row] = await query<{
            snapshots: number;
            days: number;
            usage: number;
            events: string;
            summaries: string;
          }>(
            tx,
            sql`select
                  (select count(*)::int from analytics_snapshots s where s.tenant_id = ${tenant.id}::uuid) as snapshots,
                  (select (max(s.date) - min(s.date) + 1)::int from analytics_snapshots s where s.tenant_id = ${tenant.id}::uuid) as days,
                  (select count(*)::int from usage_snapshots u where u.tenant_id = ${tenant.id}::uuid) as usage,
                  (select sum(e.cost_usd)::text from cost_events e where e.tenant_id = ${tenant.id}::uuid) as events,
                  (select sum(c.total_cost_usd)::text from cost_summaries c where c.tenant_id = ${tenant.id}::uuid and c.period = 'monthly') as summaries`,
          );
          return row as { snapshots: number; days: number; usage: number; events: string; summaries: string };
        }),
      ),
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.snapshots).toBe(14);
      expect(r.days).toBe(14);
      expect(r.usage).toBe(14);
      // The monthly summaries of the rollup add up to the events, exactly.
      expect(r.summaries).toBe(r.events);
    }
    const services = await system((tx) =>
      query<{ service: string }>(tx, sql`select distinct service::text as service from cost_events order by 1`),
    );
    expect(services.map((s) => s.service)).toEqual(['embedding', 'livekit', 'llm', 'vision', 'voice_stt', 'voice_tts']);
  });

  it(`stores ${EMBEDDING_DIMENSIONS}-dimension embeddings, and a chunk's own text finds that chunk first`, async () => {
    for (const tenant of sample) {
      await withTenantContext(db, { tenantId: tenant.id, userId: adminOf(tenant).userId }, async (tx) => {
        const chunks = await query<{ id: string; content: string; dims: number }>(
          tx,
          sql`select id, content, vector_dims(embedding) as dims from knowledge_chunks`,
        );
        expect(chunks.length).toBeGreaterThan(1);
        for (const chunk of chunks) {
          expect(chunk.dims).toBe(EMBEDDING_DIMENSIONS);
          const [nearest] = await query<{ id: string; distance: number }>(
            tx,
            sql`select id, embedding <=> ${vectorLiteral(embed(chunk.content))}::vector as distance
                from knowledge_chunks order by embedding <=> ${vectorLiteral(embed(chunk.content))}::vector limit 1`,
          );
          expect(nearest?.id).toBe(chunk.id);
          expect(nearest?.distance).toBeLessThan(1e-5);
        }
      });
    }
    // A question, not a chunk: the word overlap still finds the right document of Acme.
    const acme = sample.find((s) => s.slug === 'acme') as SampleTenant;
    const [hit] = await withTenantContext(db, { tenantId: acme.id, userId: adminOf(acme).userId }, (tx) =>
      query<{ title: string }>(
        tx,
        sql`select d.title from knowledge_chunks c join knowledge_documents d on d.tenant_id = c.tenant_id and d.id = c.document_id
            order by c.embedding <=> ${vectorLiteral(embed('What discount does a contractor get on a Pro order?'))}::vector limit 1`,
      ),
    );
    expect(hit?.title).toBe('Pricing and packaging 2025');
    // Global knowledge: readable by a tenant, and searchable the same way.
    const globalChunks = await withTenantContext(db, { tenantId: acme.id, userId: adminOf(acme).userId }, (tx) =>
      query<{ id: string; content: string; dims: number }>(
        tx,
        sql`select id, content, vector_dims(embedding) as dims from global_knowledge_chunks`,
      ),
    );
    expect(globalChunks.length).toBeGreaterThan(0);
    for (const chunk of globalChunks) {
      expect(chunk.dims).toBe(EMBEDDING_DIMENSIONS);
      const [nearest] = await system((tx) =>
        query<{ id: string }>(
          tx,
          sql`select id from global_knowledge_chunks order by embedding <=> ${vectorLiteral(embed(chunk.content))}::vector limit 1`,
        ),
      );
      expect(nearest?.id).toBe(chunk.id);
    }
  });

  // Composite foreign keys make a cross-tenant reference impossible; check the data anyway, for
  // every reference between tenant tables, and that the seed exercises each one.
  const references = tenantTables().flatMap((info) =>
    tenantForeignKeys(info.table).map((fk) => [`${info.name}.${fk.column} → ${fk.parent}`, info.name, fk] as const),
  );

  it.each(references)('%s: used by every sample tenant, never across tenants', async (_label, child, fk) => {
    const [row] = await system((tx) =>
      query<{ crossing: number; tenants_using: number }>(
        tx,
        // A reference is crossing when the same tenant has no such parent row (a correlated
        // subquery on tenant_id, which Citus runs shard by shard; a join on the id alone would
        // need a repartition join there).
        sql`select
              (select count(*)::int from ${sql.identifier(child)} c
                 where c.${sql.identifier(fk.column)} is not null and not exists (
                   select 1 from ${sql.identifier(fk.parent)} p
                   where p.tenant_id = c.tenant_id and p.id = c.${sql.identifier(fk.column)})) as crossing,
              (select count(distinct c.tenant_id)::int from ${sql.identifier(child)} c
                 where c.${sql.identifier(fk.column)} is not null
                   and c.tenant_id in (${sql.join(
                     sample.map((s) => sql`${s.id}::uuid`),
                     sql`, `,
                   )})) as tenants_using`,
      ),
    );
    expect(row?.crossing).toBe(0);
    expect(row?.tenants_using).toBe(sample.length);
  });

  // References to users: a row of tenant X names only members of tenant X.
  const userReferences = tenantTables().flatMap((info) =>
    getTableConfig(info.table as PgTable).foreignKeys.flatMap((fk) => {
      const ref = fk.reference();
      const column = ref.columns[0]?.name;
      return getTableName(ref.foreignTable) === 'users' && ref.columns.length === 1 && column
        ? [[`${info.name}.${column} → users`, info.name, column] as const]
        : [];
    }),
  );

  it.each(userReferences)('%s: only members of the same tenant', async (_label, table, column) => {
    const [row] = await system((tx) =>
      query<{ outsiders: number }>(
        tx,
        sql`select count(*)::int as outsiders from ${sql.identifier(table)} x
            where x.${sql.identifier(column)} is not null and not exists (
              select 1 from tenant_members m where m.tenant_id = x.tenant_id and m.user_id = x.${sql.identifier(column)})`,
      ),
    );
    expect(row?.outsiders).toBe(0);
  });
});
