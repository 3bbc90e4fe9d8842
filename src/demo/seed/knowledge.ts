/** Knowledge: the tenant's documents and the platform-wide documents, ingested through the knowledge module. */
import { count } from 'drizzle-orm';
import { addDocument, addGlobalDocument } from '../../knowledge/index.ts';
import { globalKnowledgeDocuments } from '../../schema/knowledge.ts';
import type { SystemScope } from '../../tenancy/index.ts';
import { GLOBAL_KNOWLEDGE } from '../data/global-knowledge.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import { CHUNKING } from '../data/workspace.ts';
import type { SeedScope } from './scope.ts';
import type { SampleTenant } from './tenant.ts';

/** Returns the rows written: each document and its chunks. */
export async function seedKnowledge(scope: SeedScope, spec: SampleTenantSpec, tenant: SampleTenant): Promise<number> {
  let rows = 0;
  for (const k of spec.knowledge) {
    const { chunkCount } = await addDocument(
      scope,
      { ...k, metadata: { source: k.source, author: tenant.people[0]?.name, tags: [k.category] } },
      { chunking: CHUNKING },
    );
    rows += 1 + chunkCount;
  }
  return rows;
}

/** Platform-wide knowledge, added (in one system transaction) only when there is none. Returns the documents added. */
export async function seedGlobalKnowledge(system: SystemScope): Promise<number> {
  return system.transaction(async (tx, inner) => {
    const [existing] = await tx.select({ n: count() }).from(globalKnowledgeDocuments);
    if ((existing?.n ?? 0) > 0) return 0;
    for (const k of GLOBAL_KNOWLEDGE) {
      await addGlobalDocument(
        inner,
        { ...k, metadata: { source: 'tenantdb', tags: [k.category] } },
        { chunking: CHUNKING },
      );
    }
    return GLOBAL_KNOWLEDGE.length;
  });
}
