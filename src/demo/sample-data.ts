import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { tenants } from '../schema/tenants.ts';
import { withSystemContext, withTenantContext } from '../tenancy/context.ts';
import { addMember, provisionTenant } from '../tenants/provision.ts';

type Plan = (typeof tenants.$inferSelect)['plan'];
type Persona = 'ceo' | 'cfo' | 'cmo' | 'cto';

/** The sample organisations and people of seed 002, with a few conversations each. */
export const SAMPLE_TENANTS: {
  slug: string;
  name: string;
  plan: Plan;
  people: { name: string; email: string; role: 'owner' | 'admin' | 'member' }[];
  conversations: { persona: Persona; title: string; messages: [string, string][] }[];
}[] = [
  {
    slug: 'acme',
    name: 'Acme Corporation',
    plan: 'enterprise',
    people: [
      { name: 'Alice', email: 'alice@acme.com', role: 'admin' },
      { name: 'Bob', email: 'bob@acme.com', role: 'member' },
    ],
    conversations: [
      {
        persona: 'cfo',
        title: 'Q3 budget review',
        messages: [
          ['user', 'How did we do against the Q3 budget?'],
          ['assistant', 'Spend came in 4% under plan; cloud costs rose 11% and need a look.'],
        ],
      },
      {
        persona: 'cmo',
        title: 'Launch campaign',
        messages: [
          ['user', 'Draft three taglines for the spring launch.'],
          ['assistant', 'Built to last. Ready when you are. Acme, but faster.'],
        ],
      },
    ],
  },
  {
    slug: 'techstartup',
    name: 'Tech Startup Inc',
    plan: 'pro',
    people: [{ name: 'Charlie', email: 'charlie@techstartup.io', role: 'admin' }],
    conversations: [
      {
        persona: 'cto',
        title: 'Architecture review',
        messages: [
          ['user', 'Should we split the monolith this quarter?'],
          ['assistant', 'Not yet: extract billing first, it changes most often.'],
        ],
      },
      {
        persona: 'ceo',
        title: 'Fundraising plan',
        messages: [['user', 'Outline a seed-extension pitch.']],
      },
    ],
  },
  {
    slug: 'healthcare',
    name: 'Healthcare Co',
    plan: 'free',
    people: [{ name: 'Diana', email: 'diana@healthcare.com', role: 'admin' }],
    conversations: [
      {
        persona: 'ceo',
        title: 'Compliance priorities',
        messages: [
          ['user', 'What should we prioritise for HIPAA this year?'],
          ['assistant', 'Access reviews, audit logging, and vendor agreements.'],
        ],
      },
    ],
  },
];

export interface SampleTenant {
  id: string;
  slug: string;
  name: string;
  people: { name: string; email: string; role: string; userId: string }[];
}

/**
 * Creates the sample tenants, members, conversations and messages. Idempotent: a tenant whose
 * slug exists is left as it is (its ids are returned).
 */
export async function seedSampleData(db: Database, log: (line: string) => void = () => {}): Promise<SampleTenant[]> {
  const result: SampleTenant[] = [];
  for (const sample of SAMPLE_TENANTS) {
    const [existing] = await withSystemContext(
      db,
      (tx) => tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, sample.slug)),
      { reason: 'seed: look up sample tenant' },
    );
    const created = existing === undefined;
    const tenantId =
      existing?.id ??
      (await provisionTenant(db, { name: sample.name, slug: sample.slug, plan: sample.plan })).tenant.id;
    const people = [];
    for (const person of sample.people) {
      const userId = await addMember(db, tenantId, { email: person.email, name: person.name }, person.role);
      people.push({ ...person, userId });
    }
    if (created) {
      const author = people[0]?.userId;
      await withTenantContext(db, { tenantId, userId: author }, async (_tx, scoped) => {
        for (const conversation of sample.conversations) {
          const row = await scoped.conversations.insert({
            persona: conversation.persona,
            title: conversation.title,
            userId: author,
          });
          await scoped.messages.insert(
            conversation.messages.map(([role, content]) => ({
              conversationId: row.id,
              role: role as 'user' | 'assistant',
              content,
            })),
          );
        }
      });
    }
    log(`${created ? 'created' : 'kept'} ${sample.name} (${sample.people.map((p) => p.name).join(', ')})`);
    result.push({ id: tenantId, slug: sample.slug, name: sample.name, people });
  }
  return result;
}
