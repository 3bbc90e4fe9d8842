/** The demo's knowledge step: one hybrid search per sample tenant, as its admin, under RLS. */
import { inArray } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { search } from '../knowledge/index.ts';
import { knowledgeDocuments } from '../schema/knowledge.ts';
import { withSystemContext, withTenantContext } from '../tenancy/index.ts';
import { SAMPLE_TENANTS } from './data/tenants.ts';
import type { SampleTenant } from './sample-data.ts';

export interface SearchRow {
  tenant: string;
  question: string;
  /** The best result's title, and whether it is the tenant's own or global knowledge. */
  title: string;
  source: 'own' | 'global' | 'none';
  score: string;
  snippet: string;
  results: number;
  /** Results from another tenant's documents: must be 0. */
  foreign: number;
}

const plain = (snippet: string) =>
  snippet
    .replace(/<\/?b>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/** Searches each sample tenant's knowledge (and the global knowledge) with its demo question. */
export async function knowledgeSearches(db: Database, sample: SampleTenant[]): Promise<SearchRow[]> {
  const rows: SearchRow[] = [];
  for (const tenant of sample) {
    const question = SAMPLE_TENANTS.find((s) => s.slug === tenant.slug)?.question;
    const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin') ?? tenant.people[0];
    if (question === undefined || admin === undefined) continue;
    const { results } = await withTenantContext(db, { tenantId: tenant.id, userId: admin.userId }, (_tx, scope) =>
      search(scope, { text: question, k: 5 }),
    );
    // Ground truth from the system context: whose documents the tenant results are.
    const ids = results.filter((r) => !r.global).map((r) => r.documentId);
    const owners =
      ids.length === 0
        ? []
        : await withSystemContext(
            db,
            (tx) =>
              tx
                .select({ tenantId: knowledgeDocuments.tenantId })
                .from(knowledgeDocuments)
                .where(inArray(knowledgeDocuments.id, ids)),
            { reason: 'demo: check search results' },
          );
    const best = results[0];
    const snippet = best ? plain(best.snippet) : '';
    rows.push({
      tenant: tenant.name,
      question,
      title: best?.title ?? '(nothing found)',
      source: best === undefined ? 'none' : best.global ? 'global' : 'own',
      score: best ? best.score.toFixed(4) : '',
      snippet: snippet.length > 70 ? `${snippet.slice(0, 67)}...` : snippet,
      results: results.length,
      foreign: owners.filter((o) => o.tenantId !== tenant.id).length,
    });
  }
  return rows;
}
