/** addDocument / updateDocument / removeDocument / addDocuments / addGlobalDocument: chunked, embedded and stored together, in the scope's tenant. */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import {
  addDocument,
  addDocuments,
  addGlobalDocument,
  chunkText,
  embed,
  localEmbedder,
  removeDocument,
  updateDocument,
  type Embedder,
} from '../../src/knowledge/index.ts';
import {
  globalKnowledgeChunks,
  globalKnowledgeDocuments,
  knowledgeChunks,
  knowledgeDocuments,
} from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

const content = Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ');
const pricing = {
  title: 'Pricing',
  content:
    'Verified contractor accounts receive a 12 percent discount on every Pro order. Shipping is free above 150 dollars.',
  category: 'sales',
  source: 'notion://a/pricing',
};

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Knowledge A');
  b = await ownerContext(db, 'Knowledge B');
});
afterAll(async () => {
  await t?.dispose();
});

const vector = (v: number[]) => `[${v.join(',')}]`;

/** Embedders that break the contract: another width, and too few numbers per vector. */
const wrongDimension: Embedder = { ...localEmbedder, dimensions: 768 };
const shortVectors: Embedder = {
  model: 'short',
  dimensions: 1024,
  embed: (texts) => Promise.resolve({ vectors: texts.map(() => [0.5, 0.5]) }),
};

/** The local embedder, counting the texts it is asked to embed. */
function counting(): Embedder & { texts: number } {
  const e = {
    model: localEmbedder.model,
    dimensions: localEmbedder.dimensions,
    texts: 0,
    embed: (texts: readonly string[]) => {
      e.texts += texts.length;
      return localEmbedder.embed(texts);
    },
  };
  return e;
}

/** Documents and chunks of a tenant, read in the system context. */
const stored = (tenantId: string) =>
  withSystemContext(
    db,
    async (tx) => ({
      documents: await tx.select().from(knowledgeDocuments).where(eq(knowledgeDocuments.tenantId, tenantId)),
      chunks: await tx
        .select()
        .from(knowledgeChunks)
        .where(eq(knowledgeChunks.tenantId, tenantId))
        .orderBy(knowledgeChunks.position),
    }),
    { reason: 'test: read knowledge' },
  );

describe('addDocument', () => {
  it('stores the document and its overlapping chunks, each embedded by the local embedder', async () => {
    const { documentId, chunkCount } = await addDocument(
      tenantOf(db, a),
      { title: 'Words', content, category: 'test', metadata: { tags: ['test'] } },
      { chunking: { size: 20, overlap: 5 } },
    );
    const expected = chunkText(content, { size: 20, overlap: 5 });
    expect(chunkCount).toBe(expected.length);
    const { documents, chunks } = await stored(a.tenantId);
    const doc = documents.find((d) => d.id === documentId);
    expect(doc?.metadata).toEqual({ tags: ['test'] });
    // Documents are searched through their chunks: tenantdb writes no document vector.
    expect(doc?.embedding).toBeNull();
    const own = chunks.filter((c) => c.documentId === documentId);
    expect(own.map((c) => [c.position, c.content])).toEqual(expected.map((text, i) => [i, text]));
    expect(own[1]?.embedding.map((x) => Number(x.toFixed(5)))).toEqual(
      embed(expected[1]!).map((x) => Number(x.toFixed(5))),
    );
    expect(own.every((c) => c.metadata.chunkSize === 20 && c.metadata.overlapSize === 5)).toBe(true);
    expect(own.every((c) => c.embeddingModel === localEmbedder.model)).toBe(true);
  });

  it('makes the document searchable: a question finds its chunk by embedding', async () => {
    const { documentId } = await addDocument(tenantOf(db, a), pricing);
    const [hit] = await tenantOf(db, a).run((orm) =>
      orm
        .select({ documentId: knowledgeChunks.documentId })
        .from(knowledgeChunks)
        .orderBy(
          sql`${knowledgeChunks.embedding} <=> ${vector(embed('discount for a contractor on Pro orders'))}::vector`,
        )
        .limit(1),
    );
    expect(hit?.documentId).toBe(documentId);
  });

  it('refuses bad input before any SQL: the caller’s transaction stays usable', async () => {
    const bad: [string, unknown][] = [
      ['no title', { title: ' ', content }],
      ['no content', { title: 'Empty', content: '   ' }],

      ['NUL in text', { title: 'T', content: 'a\u0000b' }],
      ['category not a string', { title: 'T', content, category: 7 }],
    ];
    const before = await stored(a.tenantId);
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad)
        expect(await codeOf(addDocument(scope, input as never)), label).toBe('INVALID_INPUT');
      expect(await codeOf(addDocument(scope, pricing, { chunking: { size: 10, overlap: 10 } }))).toBe('INVALID_INPUT');
      expect(await codeOf(addDocument(scope, pricing, { chunking: { size: 0 } }))).toBe('INVALID_INPUT');
      expect(await codeOf(addDocument(scope, { title: 'Big', content }, { maxWords: 10 }))).toBe('INVALID_INPUT');
      expect(await codeOf(addDocument(scope, pricing, { embedder: wrongDimension }))).toBe('INVALID_INPUT');
      expect(await codeOf(addDocument(scope, pricing, { embedder: shortVectors }))).toBe('INVALID_INPUT');
      await tx.select().from(knowledgeDocuments);
    });
    expect((await stored(a.tenantId)).documents).toHaveLength(before.documents.length);
    expect(await codeOf(addDocument(systemOf(db) as never, pricing))).toBe('TENANT_CONTEXT_MISSING');
  });

  it("joins the caller's transaction: document and chunks rolled back with it", async () => {
    const before = await stored(a.tenantId);
    const failed = withTenantContext(db, a, async (tx, scope) => {
      const { documentId } = await addDocument(scope, pricing);
      expect(await tx.select().from(knowledgeChunks).where(eq(knowledgeChunks.documentId, documentId))).not.toEqual([]);
      throw new Error('caller fails after ingesting');
    });
    await expect(failed).rejects.toThrow('caller fails after ingesting');
    const after = await stored(a.tenantId);
    expect(after.documents).toHaveLength(before.documents.length);
    expect(after.chunks).toHaveLength(before.chunks.length);
  });

  it("tenant B's ingest lands in B only, and B finds none of A's chunks", async () => {
    const aBefore = await stored(a.tenantId);
    expect(aBefore.chunks.length).toBeGreaterThan(0);
    const { documentId } = await addDocument(tenantOf(db, b), { title: 'B notes', content: 'tenant b only text' });
    const bStored = await stored(b.tenantId);
    expect(bStored.documents.map((d) => d.id)).toEqual([documentId]);
    expect(await stored(a.tenantId)).toEqual(aBefore);
    // The nearest chunk to one of A's own chunk texts, searched as B, is B's.
    const [nearest] = await tenantOf(db, b).run((orm) =>
      orm
        .select({ tenantId: knowledgeChunks.tenantId })
        .from(knowledgeChunks)
        .orderBy(sql`${knowledgeChunks.embedding} <=> ${vector(embed(aBefore.chunks[0]!.content))}::vector`)
        .limit(1),
    );
    expect(nearest?.tenantId).toBe(b.tenantId);
  });
});

describe('addGlobalDocument', () => {
  it('stores platform-wide knowledge in the system context, readable by every tenant', async () => {
    const { documentId, chunkCount } = await addGlobalDocument(
      systemOf(db),
      {
        title: 'Getting started',
        content,
        category: 'onboarding',
      },
      { chunking: { size: 30, overlap: 10 } },
    );
    expect(chunkCount).toBe(chunkText(content, { size: 30, overlap: 10 }).length);
    const seenByA = await tenantOf(db, a).run((orm) =>
      orm.select().from(globalKnowledgeChunks).where(eq(globalKnowledgeChunks.documentId, documentId)),
    );
    expect(seenByA).toHaveLength(chunkCount);
  });

  it('is system work: a tenant scope is refused, and a failed caller rolls it back', async () => {
    expect(await codeOf(addGlobalDocument(tenantOf(db, a) as never, { title: 'X', content }))).toBe(
      'SYSTEM_CONTEXT_FORBIDDEN',
    );
    const count = () =>
      withSystemContext(db, async (tx) => (await tx.select().from(globalKnowledgeDocuments)).length, {
        reason: 'test: count global documents',
      });
    const before = await count();
    const failed = withSystemContext(
      db,
      async (_tx, system) => {
        await addGlobalDocument(system, { title: 'Rolled back', content });
        throw new Error('caller fails');
      },
      { reason: 'test: rollback' },
    );
    await expect(failed).rejects.toThrow('caller fails');
    expect(await count()).toBe(before);
  });
});

describe('updateDocument, removeDocument, addDocuments', () => {
  const paragraphs = Array.from(
    { length: 6 },
    (_, i) => `Paragraph ${i} talks about topic${i}. It has a second sentence on item${i}.`,
  );
  it('re-chunks a changed document and re-embeds only the chunks whose text changed', async () => {
    const scope = tenantOf(db, a);
    const chunking = { size: 12, overlap: 0 };
    const { documentId, chunkCount } = await addDocument(
      scope,
      { title: 'Topics', content: paragraphs.join('\n\n') },
      { chunking },
    );
    expect(chunkCount).toBe(6);
    const changed = [...paragraphs];
    changed[3] = 'Paragraph 3 now covers refunds. Refunds take a week.';
    const embedder = counting();
    const result = await updateDocument(scope, documentId, { content: changed.join('\n\n') }, { embedder, chunking });
    expect(result.chunkCount).toBe(6);
    expect(result.embedded).toBe(1);
    expect(embedder.texts).toBe(1);
    const { chunks, documents } = await stored(a.tenantId);
    const own = chunks.filter((c) => c.documentId === documentId);
    expect(own.map((c) => c.content)).toEqual(changed);
    expect(own[3]?.embedding.map((x) => Number(x.toFixed(5)))).toEqual(
      embed(changed[3] as string).map((x) => Number(x.toFixed(5))),
    );
    expect(documents.find((d) => d.id === documentId)?.content).toBe(changed.join('\n\n'));
    // A title change alone re-embeds nothing.
    expect((await updateDocument(scope, documentId, { title: 'Topics v2' }, { chunking })).embedded).toBe(0);
    expect(await codeOf(updateDocument(tenantOf(db, b), documentId, { title: 'B steals' }))).toBe('INVALID_INPUT');
    expect(await removeDocument(tenantOf(db, b), documentId)).toBe(false);
    expect(await removeDocument(scope, documentId)).toBe(true);
    expect((await stored(a.tenantId)).chunks.some((c) => c.documentId === documentId)).toBe(false);
    expect(await codeOf(removeDocument(scope, 'not-a-uuid'))).toBe('INVALID_INPUT');
  });

  it('ingests many documents in batches, with progress, each batch in one transaction', async () => {
    const docs = Array.from({ length: 7 }, (_, i) => ({
      title: `Bulk ${i}`,
      content: `${paragraphs[i % 6]} Bulk ${i}.`,
    }));
    const progress: [number, number][] = [];
    const written = await addDocuments(tenantOf(db, b), docs, {
      batchSize: 3,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(written).toHaveLength(7);
    expect(progress).toEqual([
      [3, 7],
      [6, 7],
      [7, 7],
    ]);
    // One bad document refuses the whole call before anything is written.
    const before = (await stored(b.tenantId)).documents.length;
    expect(await codeOf(addDocuments(tenantOf(db, b), [...docs, { title: '', content: 'x' }]))).toBe('INVALID_INPUT');
    expect((await stored(b.tenantId)).documents.length).toBe(before);
  });

  it("records the embedding's cost event with the document, in its transaction", async () => {
    const priced: Embedder = {
      model: 'priced-model',
      dimensions: 1024,
      embed: async (texts) => ({
        vectors: (await localEmbedder.embed(texts)).vectors,
        usage: { model: 'priced-model', provider: 'test', tokens: 7 * texts.length, costUsd: '0.000123', calls: 1 },
      }),
    };
    const costs = () =>
      withSystemContext(
        db,
        (tx) =>
          tx.execute(sql`select service::text, cost_usd::text as cost, tokens_used as tokens, metadata->>'model' as model
            from cost_events where tenant_id = ${a.tenantId} and metadata->>'model' = 'priced-model'`),
        { reason: 'test: read costs' },
      ).then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows));
    const result = await addDocument(tenantOf(db, a), pricing, { embedder: priced });
    expect(result.usage?.costUsd).toBe('0.000123');
    expect(await costs()).toEqual([
      { service: 'embedding', cost: '0.000123', tokens: 7 * result.chunkCount, model: 'priced-model' },
    ]);
    // A failing caller rolls the cost event back with the document.
    await expect(
      withTenantContext(db, a, async (_tx, scope) => {
        await addDocument(scope, pricing, { embedder: priced });
        throw new Error('caller fails');
      }),
    ).rejects.toThrow('caller fails');
    expect(await costs()).toHaveLength(1);
  });
});
