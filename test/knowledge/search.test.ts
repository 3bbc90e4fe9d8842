/**
 * search(): hybrid (vector + full-text, fused by reciprocal rank) over the tenant's chunks and the
 * global ones, right for a tenant of any size, never another tenant's chunks, and typed errors for
 * bad input. The isolation of search is shown failing when the tenant policy is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { rowsOf } from '../../src/db/rows.ts';
import {
  addDocument,
  addGlobalDocument,
  embed,
  EXACT_LIMIT,
  localEmbedder,
  reembedKnowledge,
  search,
  type Embedder,
} from '../../src/knowledge/index.ts';
import { createTestDatabase, isCitus, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;
let secretDoc: string;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Search A');
  b = await ownerContext(db, 'Search B');
  await addDocument(tenantOf(db, a), {
    title: 'Pricing',
    content:
      'Verified contractor accounts receive a 12 percent discount on every Pro order. Shipping is free above 150 dollars.',
    category: 'sales',
    metadata: { tags: ['pricing'] },
  });
  await addDocument(tenantOf(db, a), {
    title: 'Security',
    content: 'Laptops and phones that hold patient information are encrypted. Passwords rotate every 90 days.',
    category: 'policy',
    metadata: { tags: ['security'] },
  });
  secretDoc = (
    await addDocument(tenantOf(db, b), {
      title: 'B secret',
      content: 'Globex contractor discount is 40 percent, confidential to Globex.',
      category: 'sales',
    })
  ).documentId;
  await addGlobalDocument(systemOf(db), {
    title: 'Getting started',
    content: 'Every workspace can invite contractors and set a discount policy in settings.',
    category: 'onboarding',
  });
});
afterAll(async () => {
  await t?.dispose();
});

describe('search', () => {
  it('ranks by reciprocal-rank fusion of the vector and full-text lists, with snippet, distance and rank', async () => {
    const { results, strategy, tenantChunks } = await search(tenantOf(db, a), {
      text: 'contractor discount on a Pro order',
      k: 5,
    });
    expect(strategy).toBe('exact');
    expect(tenantChunks).toBe(2);
    expect(results[0]?.title).toBe('Pricing');
    expect(results[0]?.global).toBe(false);
    expect(results[0]?.distance).toBeGreaterThanOrEqual(0);
    expect(results[0]?.textRank).toBeGreaterThan(0);
    expect(results[0]?.snippet).toMatch(/<b>contractor<\/b>/i);
    // In both lists at rank 1: 1/61 + 1/61.
    expect(results[0]?.score).toBeCloseTo(2 / 61, 10);
    const scores = results.map((r) => r.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    // The global document is found too, marked global; tenant B's never.
    expect(results.some((r) => r.global && r.title === 'Getting started')).toBe(true);
    expect(results.some((r) => r.documentId === secretDoc)).toBe(false);
  });

  it("never returns another tenant's chunks, by vector or by text, and global rows are read-only", async () => {
    const probe = embed('Globex contractor discount is 40 percent, confidential to Globex.');
    const { results } = await search(tenantOf(db, a), { text: 'Globex confidential', embedding: probe, k: 20 });
    expect(results.every((r) => r.global || !r.content.includes('Globex'))).toBe(true);
    const forced = await search(tenantOf(db, a), { embedding: probe, k: 20 }, { strategy: 'hnsw' });
    expect(forced.results.some((r) => r.documentId === secretDoc)).toBe(false);
    // The HNSW path's planner steer (enable_sort, jit) ends with the search: the caller's
    // transaction keeps its own settings.
    const settings = sql`select current_setting('enable_sort') || ' ' || coalesce(current_setting('jit', true), '') as s`;
    const [before, after] = await withTenantContext(db, a, async (tx, scope) => {
      const first = rowsOf<{ s: string }>(await tx.execute(settings))[0]?.s;
      await search(scope, { embedding: probe }, { strategy: 'hnsw' });
      return [first, rowsOf<{ s: string }>(await tx.execute(settings))[0]?.s];
    });
    expect(after).toBe(before);
    const own = await search(tenantOf(db, b), { text: 'Globex confidential', k: 3, includeGlobal: false });
    expect(own.results.map((r) => r.documentId)).toEqual([secretDoc]);
    // Tenants read global knowledge but cannot write it.
    expect(
      await codeOf(tenantOf(db, a).query(`insert into global_knowledge_documents (title, content) values ('x', 'y')`)),
    ).toBe('PERMISSION_DENIED');
  });

  it('filters by category and tags, and can leave the global knowledge out', async () => {
    const policy = await search(tenantOf(db, a), { text: 'encrypted laptops', category: 'policy' });
    expect(policy.results.map((r) => r.title)).toEqual(['Security']);
    const tagged = await search(tenantOf(db, a), { text: 'discount', tags: ['pricing'], includeGlobal: false });
    expect(tagged.results.map((r) => r.title)).toEqual(['Pricing']);
    const local = await search(tenantOf(db, a), { text: 'contractors discount policy', includeGlobal: false });
    expect(local.results.every((r) => !r.global)).toBe(true);
  });

  it('a small tenant is searched exactly: every one of its chunks, whatever the other tenants hold', async () => {
    // A's 2 chunks among every tenant's: below EXACT_LIMIT the strategy is exact, and the list has both.
    const { results, strategy, tenantChunks } = await search(tenantOf(db, a), {
      embedding: embed('anything at all'),
      k: 2,
      includeGlobal: false,
    });
    expect([strategy, tenantChunks]).toEqual(['exact', 2]);
    expect(tenantChunks).toBeLessThanOrEqual(EXACT_LIMIT);
    expect(results.map((r) => r.title).sort()).toEqual(['Pricing', 'Security']);
  });

  it('compares vectors of the query model only; the re-embed job moves every chunk to a new model', async () => {
    const other: Embedder = { ...localEmbedder, model: 'other-model-v2' };
    const before = await search(
      tenantOf(db, a),
      { embedding: embed('contractor discount'), k: 5 },
      { embedder: other },
    );
    expect(before.results).toEqual([]);
    const progress: number[] = [];
    const done = await reembedKnowledge(systemOf(db), {
      embedder: other,
      batchSize: 2,
      onProgress: (n) => progress.push(n),
    });
    expect(done.tenantChunks).toBeGreaterThanOrEqual(3);
    expect(done.globalChunks).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toBe(done.tenantChunks + done.globalChunks);
    const after = await search(tenantOf(db, a), { embedding: embed('contractor discount'), k: 5 }, { embedder: other });
    expect(after.results[0]?.title).toBe('Pricing');
    // A second run has nothing left to do.
    expect(await reembedKnowledge(systemOf(db), { embedder: other })).toEqual({ tenantChunks: 0, globalChunks: 0 });
    await reembedKnowledge(systemOf(db), { embedder: localEmbedder });
  });

  it('refuses bad input with INVALID_INPUT, and a system scope with TENANT_CONTEXT_MISSING', async () => {
    const scope = tenantOf(db, a);
    const bad: unknown[] = [
      {},
      { text: '   ' },
      { text: 'x', k: 0 },
      { text: 'x', k: 101 },
      { text: 'x', tags: 'pricing' },
      { embedding: [1, 2, 3] },
      { text: 'x'.repeat(10_001) },
    ];
    for (const input of bad)
      expect(await codeOf(search(scope, input as never)), JSON.stringify(input).slice(0, 40)).toBe('INVALID_INPUT');
    expect(await codeOf(search(scope, { text: 'x' }, { embedder: { ...localEmbedder, dimensions: 768 } }))).toBe(
      'INVALID_INPUT',
    );
    expect(await codeOf(search(systemOf(db) as never, { text: 'x' }))).toBe('TENANT_CONTEXT_MISSING');
  });

  // Skipped on Citus: DDL and reads as tenantdb_app cannot share a transaction there.
  it.skipIf(isCitus)("B's chunks are found by A's search once the tenant policy is removed", async () => {
    const leaked = await t.db
      .rawTransaction(async (s) => {
        await s.exec('DROP POLICY knowledge_chunks_tenant_isolation ON knowledge_chunks');
        await s.exec('DROP POLICY knowledge_documents_tenant_isolation ON knowledge_documents');
        await s.exec(`CREATE POLICY open_read ON knowledge_chunks FOR SELECT TO tenantdb_app USING (true)`);
        await s.query('select tenantdb.open_context($1::uuid, null, true)', [a.tenantId]);
        const rows = await s.query<{ n: number }>(
          `select count(*)::int as n from knowledge_chunks where document_id = $1`,
          [secretDoc],
        );
        throw Object.assign(new Error('rollback'), { rows });
      })
      .catch((e: { rows?: { n: number }[] }) => e.rows);
    expect(leaked?.[0]?.n).toBeGreaterThan(0);
  });
});
