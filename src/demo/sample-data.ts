import { createHash, randomBytes } from 'node:crypto';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Database as AnyDatabase, OrmTransaction as AnyOrmTransaction } from '../db/database.ts';
import type * as schema from '../schema/index.ts';

import { embed, chunkText } from '../knowledge/index.ts';
import { analyticsSnapshots, usageSnapshots } from '../schema/analytics.ts';
import { accounts, authSessions, users, verificationTokens } from '../schema/identity.ts';
import { globalKnowledgeChunks, globalKnowledgeDocuments } from '../schema/knowledge.ts';
import { tenantMembers } from '../schema/members.ts';
import { memberRoles, permissions, roles } from '../schema/rbac.ts';
import { tenants } from '../contract/tenants.ts';
import {
  createSystemScope,
  withSystemContext,
  withTenantContext,
  type TenantScope as AnyTenantScope,
} from '../tenancy/index.ts';
import { addMember, provisionTenant } from '../tenants/index.ts';

type Database = AnyDatabase<typeof schema>;
type TenantScope = AnyTenantScope<typeof schema>;
type OrmTransaction = AnyOrmTransaction<typeof schema>;

type Plan = (typeof tenants.$inferSelect)['plan'];
type Persona = 'ceo' | 'cfo' | 'cmo' | 'cto';
type MemberRole = 'owner' | 'admin' | 'member';
type Chat = [role: 'user' | 'assistant' | 'system', content: string][];
type Service = 'vision' | 'voice_stt' | 'voice_tts' | 'llm' | 'embedding' | 'livekit';
type ConnectorStatus = 'PENDING' | 'ACTIVE' | 'ERROR' | 'DISABLED';

/** One sample organisation: seed 002's people and conversations, and the rest of its data. */
export interface SampleTenantSpec {
  slug: string;
  name: string;
  plan: Plan;
  people: { name: string; email: string; role: MemberRole }[];
  conversations: { persona: Persona; title: string; messages: Chat }[];
  domain: string;
  /** Monthly AI budget (tenants.max_monthly_spend), in USD. */
  monthlyBudgetUsd: number;
  /** Traffic and usage relative to a mid-size tenant. */
  scale: number;
  /** Who gets the custom 'analyst' role. */
  analyst: string;
  profile: { industry: string; size: string; description: string; goals: string[] };
  /** At most 5: the default max_connectors limit. */
  connectors: {
    name: string;
    provider: string;
    description: string;
    config: Record<string, unknown>;
    status: ConnectorStatus;
    syncError?: string;
  }[];
  widget: { name: string; greeting: string; primaryColor: string; hosts: string[]; chat: Chat };
  meeting: { title: string; description: string; chat: Chat };
  knowledge: { title: string; category: string; source: string; content: string }[];
}

/** The sample organisations and people of seed 002, with believable data in every tenant table. */
export const SAMPLE_TENANTS: SampleTenantSpec[] = [
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
    domain: 'acme.com',
    monthlyBudgetUsd: 18,
    scale: 1.6,
    analyst: 'Bob',
    profile: {
      industry: 'Industrial tools and hardware (B2B e-commerce)',
      size: '201-500',
      description:
        'Acme sells professional-grade tools and spare parts to contractors and facilities teams through its web shop and a network of 40 distributors.',
      goals: ['Grow online revenue 25% this year', 'Cut cloud spend 10%', 'Launch the spring product line on time'],
    },
    connectors: [
      {
        name: 'Google Analytics (acme.com)',
        provider: 'google-analytics',
        description: 'Web shop traffic and conversions',
        config: { propertyId: 'properties/312845771', metrics: ['sessions', 'activeUsers', 'conversions'] },
        status: 'ACTIVE',
      },
      {
        name: 'Stripe',
        provider: 'stripe',
        description: 'Payments and subscriptions of the Acme Pro plan',
        config: { accountId: 'acct_1PqAcmeDemo0001', currency: 'usd', webhooks: ['invoice.paid', 'charge.refunded'] },
        status: 'ACTIVE',
      },
      {
        name: 'Slack (#exec-updates)',
        provider: 'slack',
        description: 'Posts the weekly executive brief',
        config: { workspace: 'acme-corp', channel: '#exec-updates' },
        status: 'ACTIVE',
      },
      {
        name: 'HubSpot CRM',
        provider: 'hubspot',
        description: 'Pipeline and deal stages',
        config: { portalId: 24817733, objects: ['deals', 'companies'] },
        status: 'ERROR',
        syncError: 'OAuth token expired: reconnect HubSpot to resume syncing',
      },
    ],
    widget: {
      name: 'Web shop assistant',
      greeting: 'Hi! Looking for a tool or an order? Ask away.',
      primaryColor: '#d9480f',
      hosts: ['acme.com', 'www.acme.com', 'shop.acme.com'],
      chat: [
        ['user', 'Do you ship the X200 impact driver to Canada?'],
        ['assistant', 'Yes: the X200 ships to Canada in 3-5 business days; duties are included at checkout.'],
        ['user', 'Is there a contractor discount?'],
        ['assistant', 'Contractor accounts get 12% off list price once your trade licence is verified.'],
      ],
    },
    meeting: {
      title: 'Weekly exec sync',
      description: 'Revenue, spend and the spring launch with the AI C-suite',
      chat: [
        ['system', 'Meeting started: Alice, Bob, CEO, CFO.'],
        ['user', 'Where are we on the spring launch?'],
        ['assistant', 'On track: packaging is approved, the distributor briefing is Thursday, ads go live on the 3rd.'],
        ['user', 'And the cloud bill?'],
        [
          'assistant',
          'Up 11% quarter on quarter, mostly image processing; moving thumbnails to a queue saves about $1,400 a month.',
        ],
      ],
    },
    knowledge: [
      {
        title: 'Pricing and packaging 2025',
        category: 'sales',
        source: 'notion://acme/pricing-2025',
        content: `Acme sells three tiers of tools. The Standard line targets weekend users and is sold only through the web shop at list price. The Pro line targets contractors: list price is 30 percent above Standard, and verified contractor accounts receive a 12 percent discount on every Pro order. The Industrial line is quoted per project by the distributor team and always includes a two year service agreement.
Shipping is free in the United States above 150 dollars. Canada ships in three to five business days with duties included at checkout. Returns are accepted within 60 days for unused items; opened power tools are inspected before a refund is issued.
Price changes are announced to distributors 30 days in advance. The spring line launches with an introductory bundle: the X200 impact driver, two batteries and a charger at 10 percent below the combined list price, for the first eight weeks only.`,
      },
      {
        title: 'Brand voice guide',
        category: 'marketing',
        source: 'gdrive://acme/brand/voice-guide',
        content: `Acme speaks like an experienced foreman: direct, practical and friendly. Sentences are short. We say what a tool does before we say how it feels. We never promise what a product cannot do, and we never use the words revolutionary or game-changing.
Taglines lead with durability and speed. Approved examples include Built to last, Ready when you are, and Acme, but faster. Product pages open with the job the tool does, then list specifications in a table, then show reviews from verified contractors.
Support replies greet the customer by name, answer the question in the first sentence, and end with one concrete next step. Social posts show real job sites and credit the crew. The accent colour is Acme orange; photography is natural light, never studio white.`,
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
    domain: 'techstartup.io',
    monthlyBudgetUsd: 15,
    scale: 1,
    analyst: 'Charlie',
    profile: {
      industry: 'Developer tools (SaaS)',
      size: '11-50',
      description:
        'Tech Startup builds a hosted CI insights product that tells engineering teams which tests are flaky and which builds waste the most time.',
      goals: ['Reach $1M ARR', 'Close a seed extension by Q4', 'Extract billing from the monolith'],
    },
    connectors: [
      {
        name: 'Google Analytics (techstartup.io)',
        provider: 'google-analytics',
        description: 'Marketing site and docs traffic',
        config: { propertyId: 'properties/407731902', metrics: ['sessions', 'activeUsers', 'conversions'] },
        status: 'ACTIVE',
      },
      {
        name: 'Stripe',
        provider: 'stripe',
        description: 'Subscriptions and MRR',
        config: { accountId: 'acct_1PqTechDemo0002', currency: 'usd', webhooks: ['customer.subscription.updated'] },
        status: 'ACTIVE',
      },
      {
        name: 'GitHub',
        provider: 'github',
        description: 'Deploy frequency and lead time',
        config: { org: 'techstartup', repos: ['api', 'web'] },
        status: 'PENDING',
      },
    ],
    widget: {
      name: 'Docs helper',
      greeting: 'Stuck on a setup step? I know the docs.',
      primaryColor: '#5f3dc4',
      hosts: ['techstartup.io', 'docs.techstartup.io'],
      chat: [
        ['user', 'How do I connect GitLab instead of GitHub?'],
        ['assistant', 'GitLab is in beta: add a project access token with read_api scope under Settings → Sources.'],
      ],
    },
    meeting: {
      title: 'Board prep',
      description: 'Metrics and narrative for the seed extension',
      chat: [
        ['system', 'Meeting started: Charlie, CEO, CFO.'],
        ['user', 'What are the three numbers the board will ask about?'],
        ['assistant', 'Net revenue retention, burn multiple and the time from signup to first insight.'],
      ],
    },
    knowledge: [
      {
        title: 'ADR-014: Extract billing from the monolith',
        category: 'engineering',
        source: 'github://techstartup/adr/0014-billing-service.md',
        content: `Status: accepted. Context: billing logic changes every sprint because pricing experiments run continuously, while the rest of the monolith changes rarely. Every billing change currently requires a full deploy of the monolith and a database migration window.
Decision: extract billing into its own service that owns the subscriptions, invoices and usage tables. The monolith calls billing through an internal API and receives webhooks for subscription changes. Stripe remains the source of truth for payments; the billing service keeps a local copy for reporting.
Consequences: billing can deploy several times a day without touching the monolith. Usage metering moves to an event queue, which adds eventual consistency of up to one minute on the usage dashboard. We will not split any other module this quarter; the next candidate is notifications, to be reviewed in January.`,
      },
      {
        title: 'Seed extension pitch notes',
        category: 'fundraising',
        source: 'notion://techstartup/fundraising/seed-extension',
        content: `Raise 2.5 million dollars as a seed extension on the existing SAFE terms with a higher cap. The story: engineering teams lose a day a week to flaky tests and slow builds, and we show exactly where that time goes within ten minutes of connecting a repository.
Traction: 140 paying teams, net revenue retention of 128 percent, and a burn multiple of 1.6. Time from signup to first insight fell from two days to eleven minutes after the onboarding rewrite.
Use of funds: two engineers for the GitLab and Bitbucket integrations, one account executive for mid-market, and twelve months of runway on top of the current eighteen. Target investors are the existing angels plus two developer-tools funds.`,
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
    domain: 'healthcare.com',
    monthlyBudgetUsd: 5,
    scale: 0.6,
    analyst: 'Diana',
    profile: {
      industry: 'Outpatient clinics',
      size: '51-200',
      description:
        'Healthcare Co runs six outpatient clinics offering primary care, physiotherapy and telehealth follow-ups.',
      goals: ['Pass the annual HIPAA risk assessment', 'Cut no-show rate below 8%', 'Launch online booking'],
    },
    connectors: [
      {
        name: 'Google Analytics (healthcare.com)',
        provider: 'google-analytics',
        description: 'Booking page traffic',
        config: { propertyId: 'properties/298441276', metrics: ['sessions', 'activeUsers', 'conversions'] },
        status: 'ACTIVE',
      },
      {
        name: 'Slack (#clinic-ops)',
        provider: 'slack',
        description: 'Daily operations digest',
        config: { workspace: 'healthcare-co', channel: '#clinic-ops' },
        status: 'ACTIVE',
      },
    ],
    widget: {
      name: 'Patient FAQ',
      greeting: 'Hello! I can help with opening hours, booking and insurance questions.',
      primaryColor: '#0b7285',
      hosts: ['healthcare.com', 'book.healthcare.com'],
      chat: [
        ['user', 'Can I book a physiotherapy appointment online?'],
        ['assistant', 'Online booking opens next month; until then please call your clinic or use the contact form.'],
      ],
    },
    meeting: {
      title: 'Compliance review',
      description: 'Quarterly HIPAA readiness review',
      chat: [
        ['system', 'Meeting started: Diana, CEO, CTO.'],
        ['user', 'Which vendor agreements are still missing?'],
        ['assistant', 'Two: the SMS reminder provider and the new transcription service both lack a signed BAA.'],
      ],
    },
    knowledge: [
      {
        title: 'HIPAA compliance checklist',
        category: 'compliance',
        source: 'sharepoint://healthcare/compliance/hipaa-checklist',
        content: `Run a risk assessment every year and after any major system change, and keep the report for six years. Review user access to the scheduling and records systems every quarter; remove leavers within one business day.
Every vendor that touches patient information needs a signed business associate agreement before go-live. Audit logs of record access are kept for six years and reviewed monthly for unusual access, such as staff opening records of patients they do not treat.
Encrypt laptops and phones that hold patient information, and enable remote wipe. Train every new hire on privacy within 30 days and everyone once a year. Report a breach affecting 500 or more patients to the regulator within 60 days.`,
      },
      {
        title: 'Patient intake and scheduling policy',
        category: 'operations',
        source: 'sharepoint://healthcare/operations/intake-policy',
        content: `New patients complete the intake form before their first visit, online or at the front desk. Insurance is verified at least two business days before the appointment; if verification fails the patient is called the same day.
Reminders go out by text message 48 hours and 2 hours before every appointment. Patients who miss two appointments in six months are asked to prepay the booking fee for their next visit. Telehealth follow-ups are offered for physiotherapy progress checks and medication reviews.
Front desk staff never discuss clinical details by phone; callers are asked to use the patient portal, which logs every access.`,
      },
    ],
  },
];

const PERSONAS: Record<
  Persona,
  { name: string; description: string; temperature: string; prompt: (company: string) => string }
> = {
  ceo: {
    name: 'CEO',
    description: 'Strategy, priorities and trade-offs across the company',
    temperature: '0.70',
    prompt: (company) =>
      `You are the chief executive of ${company}. Think in priorities and trade-offs, tie every answer to the company's goals, and end with a decision or a clear next step.`,
  },
  cfo: {
    name: 'CFO',
    description: 'Budgets, cash, unit economics and cost control',
    temperature: '0.30',
    prompt: (company) =>
      `You are the chief financial officer of ${company}. Ground every answer in the numbers available (revenue, spend, budgets), state assumptions explicitly, and flag risks to cash first.`,
  },
  cmo: {
    name: 'CMO',
    description: 'Brand, campaigns, acquisition and messaging',
    temperature: '0.80',
    prompt: (company) =>
      `You are the chief marketing officer of ${company}. Follow the brand voice guide, propose concrete campaigns with channels and metrics, and keep copy short.`,
  },
  cto: {
    name: 'CTO',
    description: 'Architecture, delivery, security and technical risk',
    temperature: '0.40',
    prompt: (company) =>
      `You are the chief technology officer of ${company}. Prefer simple, incremental changes, name the risks and how to measure success, and never recommend a rewrite without a migration plan.`,
  },
};

/** Permissions of the custom role every sample tenant gets. */
const ANALYST_PERMISSIONS = ['analytics:read', 'billing:read', 'conversations:read', 'knowledge:read'];

/** The system role a membership role starts with (as in provisioning). */
const DEFAULT_ROLE: Record<MemberRole, string> = { owner: 'super_admin', admin: 'org_admin', member: 'org_member' };

/** Platform-wide knowledge every tenant can read (global_knowledge_*). */
const GLOBAL_KNOWLEDGE: { title: string; category: string; content: string }[] = [
  {
    title: 'Getting started with your AI C-suite',
    category: 'onboarding',
    content: `Your workspace comes with four AI executives: a CEO for strategy, a CFO for budgets and cash, a CMO for campaigns and a CTO for technology. Each has a personality you can edit: its system prompt, temperature and preferred model.
Start by filling in the business profile, then connect your data sources so the executives answer from your numbers. Upload documents such as pricing sheets, policies and plans to the knowledge base; they are split into chunks and searched by meaning and by keywords.
Start a text conversation with one executive, or a live meeting with several of them. Every answer records its cost, which you can follow on the billing page.`,
  },
  {
    title: 'Connecting data sources',
    category: 'connectors',
    content: `Connectors bring data from Google Analytics, Stripe, Slack, HubSpot and GitHub into your workspace. Each plan allows up to five connectors. Credentials are encrypted with your organisation's own data key and are never shown again after you save them.
A connector syncs on a schedule; its status shows whether the last sync worked. A connector in the error state usually needs to be reconnected because a token expired. Synced numbers feed the daily analytics snapshot and the dashboard modules, such as growth pulse and churn watch.`,
  },
  {
    title: 'Understanding AI costs and budgets',
    category: 'billing',
    content: `Every use of an AI service is recorded as a cost event: language model calls, embeddings, vision, speech to text, text to speech and live meeting minutes. Costs are summarised weekly with a breakdown per service.
Set a monthly budget to receive alerts when spend crosses 50, 80 and 100 percent of it. Alerts go to the billing contacts by email and, if connected, to Slack. Only members with the billing manage permission can change budgets.`,
  },
];

export interface SampleTenant {
  id: string;
  slug: string;
  name: string;
  people: { name: string; email: string; role: string; userId: string }[];
}

/**
 * Creates the sample tenants of seed 002 with their members, and fills every tenant table for
 * each: configuration written by the tenant's admin in their own context (so RBAC and the limits
 * apply), activity (analytics, usage, costs, agent results, budget alerts) written by the
 * application in a user-less tenant context, as its jobs would. Also a few platform-wide
 * knowledge documents (system context). Idempotent: a tenant whose slug exists is left as it is
 * (its ids are returned); global knowledge is added only when there is none.
 */
export async function seedSampleData(db: Database, log: (line: string) => void = () => {}): Promise<SampleTenant[]> {
  const result: SampleTenant[] = [];
  const system = createSystemScope(db, 'seed sample data');
  for (const spec of SAMPLE_TENANTS) {
    const [existing] = await withSystemContext(
      db,
      (tx) => tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, spec.slug)),
      { reason: 'seed: look up sample tenant' },
    );
    const created = existing === undefined;
    const tenantId =
      existing?.id ?? (await provisionTenant(system, { name: spec.name, slug: spec.slug, plan: spec.plan })).tenant.id;
    const people = [];
    for (const person of spec.people) {
      const userId = await addMember(system, tenantId, { email: person.email, name: person.name }, person.role);
      people.push({ ...person, userId });
    }
    const tenant: SampleTenant = { id: tenantId, slug: spec.slug, name: spec.name, people };
    await withSystemContext(db, (tx) => provisionExtras(tx, spec, tenant, created), {
      reason: `seed: sample tenant ${spec.slug}`,
    });
    let rows = 0;
    if (created) {
      const admin = people.find((p) => p.role === 'owner' || p.role === 'admin') ?? people[0];
      if (!admin) throw new Error(`sample tenant ${spec.slug} has no people`);
      const made = await withTenantContext(db, { tenantId, userId: admin.userId }, (tx, scoped) =>
        seedAsAdmin(tx, scoped, spec, tenant, admin.userId),
      );
      // No user: the application acting for the tenant (sync jobs, rollups, the budget monitor).
      const activity = await withTenantContext(db, { tenantId }, (tx, scoped) => seedActivity(tx, scoped, spec, made));
      rows = made.rows + activity;
    }
    log(
      `${created ? 'created' : 'kept'} ${spec.name} (${spec.people.map((p) => p.name).join(', ')})${created ? `: ${rows} rows` : ''}`,
    );
    result.push(tenant);
  }
  const added = await seedGlobalKnowledge(db);
  log(added > 0 ? `global knowledge: ${added} documents` : 'global knowledge: kept');
  return result;
}

/**
 * System-context part of a sample tenant: each member holds the system role of their membership
 * (always, so an older seed is repaired too) — `addMember` records the membership but, unlike
 * the owner path of `provisionTenant`, assigns no role, and without org_admin the admin could not
 * write connectors, roles, API keys, widgets or personalities. A new tenant also gets its domain,
 * billing details and monthly budget, and its admin an OAuth account, a session and a pending
 * invitation (Auth.js tables).
 */
async function provisionExtras(tx: OrmTransaction, spec: SampleTenantSpec, tenant: SampleTenant, created: boolean) {
  const members = await tx
    .select({ id: tenantMembers.id, userId: tenantMembers.userId })
    .from(tenantMembers)
    .where(eq(tenantMembers.tenantId, tenant.id));
  const systemRoles = await tx
    .select({ id: roles.id, name: roles.name })
    .from(roles)
    .where(and(eq(roles.tenantId, tenant.id), eq(roles.isSystem, true)));
  const assignments = tenant.people.flatMap((person) => {
    const member = members.find((m) => m.userId === person.userId);
    const role = systemRoles.find((r) => r.name === DEFAULT_ROLE[person.role as MemberRole]);
    return member && role ? [{ tenantId: tenant.id, memberId: member.id, roleId: role.id }] : [];
  });
  if (assignments.length > 0) await tx.insert(memberRoles).values(assignments).onConflictDoNothing();
  if (!created) return;

  await tx
    .update(tenants)
    .set({
      domain: spec.domain,
      billingEmail: `billing@${spec.domain}`,
      maxMonthlySpend: spec.monthlyBudgetUsd.toFixed(2),
      features: ['ai-csuite', 'knowledge-base', 'meetings', ...(spec.plan === 'free' ? [] : ['connectors-premium'])],
      settings: { timezone: 'UTC', locale: 'en-US', weekStartsOn: 'monday' },
    })
    .where(eq(tenants.id, tenant.id));
  const admin = tenant.people.find((p) => p.role === 'admin' || p.role === 'owner');
  if (!admin) return;
  await tx
    .insert(accounts)
    .values({
      userId: admin.userId,
      type: 'oidc',
      provider: 'google',
      providerAccountId: BigInt(`0x${sha256(admin.email).slice(0, 15)}`).toString(),
      token_type: 'bearer',
      scope: 'openid email profile',
    })
    .onConflictDoNothing();
  await tx.update(users).set({ emailVerified: new Date() }).where(eq(users.id, admin.userId));
  await tx
    .insert(authSessions)
    .values({ sessionToken: randomBytes(32).toString('hex'), userId: admin.userId, expires: daysFromNow(30) })
    .onConflictDoNothing();
  await tx
    .insert(verificationTokens)
    .values({ identifier: `new.hire@${spec.domain}`, token: sha256(randomBytes(32)), expires: daysFromNow(1) })
    .onConflictDoNothing();
}

interface AdminRows {
  rows: number;
  connectors: Map<string, string>;
  conversations: { id: string; costMicros: number[]; tokens: number[]; at: Date }[];
  tasks: { id: string; status: string; moduleSlug: string | null; agent: Persona; type: string }[];
}

/** What the tenant's admin sets up, in their own context: RBAC and the limits apply. */
async function seedAsAdmin(
  tx: OrmTransaction,
  scoped: TenantScope,
  spec: SampleTenantSpec,
  tenant: SampleTenant,
  adminId: string,
): Promise<AdminRows> {
  const rand = prng(spec.slug);
  let rows = 0;
  const add = <T>(list: T[]): T[] => {
    rows += list.length;
    return list;
  };

  // RBAC: a custom role with catalogue permissions, held by one member.
  const [analyst] = add([
    await scoped.tables.roles.insert({ name: 'analyst', description: 'Read-only analytics, costs and knowledge' }),
  ]);
  const granted = await tx
    .select({ id: permissions.id })
    .from(permissions)
    .where(inArray(sql`${permissions.resource} || ':' || ${permissions.action}`, ANALYST_PERMISSIONS));
  add(await scoped.tables.rolePermissions.insert(granted.map((p) => ({ roleId: analyst!.id, permissionId: p.id }))));
  const analystUser = tenant.people.find((p) => p.name === spec.analyst) ?? tenant.people[0];
  const [member] = await tx
    .select({ id: tenantMembers.id })
    .from(tenantMembers)
    .where(eq(tenantMembers.userId, analystUser!.userId));
  add([await scoped.tables.memberRoles.insert({ memberId: member!.id, roleId: analyst!.id })]);

  // API keys in the format of issueApiKey (tdb_<8 hex>_<secret>): only the SHA-256 of the secret
  // is stored, and the secret itself is dropped here, so no sample key can ever be used.
  add(
    await scoped.tables.apiKeys.insert(
      [
        { name: 'Production backend', scopes: ['conversations:write', 'knowledge:read'], lastUsedAt: hoursAgo(2) },
        { name: 'BI export', scopes: ['analytics:read'], expiresAt: daysFromNow(90), lastUsedAt: hoursAgo(20) },
        { name: 'Old staging key', scopes: ['conversations:write'], revokedAt: daysAgo(12) },
      ].map((key) => {
        const prefix = `tdb_${randomBytes(4).toString('hex')}`;
        const secret = `${prefix}_${randomBytes(32).toString('base64url')}`;
        return { ...key, prefix, keyHash: sha256(secret), createdBy: adminId };
      }),
    ),
  );

  const [widget] = add([
    await scoped.tables.widgets.insert({
      name: spec.widget.name,
      domainWhitelist: spec.widget.hosts,
      settings: {
        theme: 'auto',
        position: 'bottom-right',
        greeting: spec.widget.greeting,
        primaryColor: spec.widget.primaryColor,
        secondaryColor: '#f8f9fa',
      },
    }),
  ]);
  const meetingStart = daysAgo(2);
  const [meeting] = add([
    await scoped.tables.meetings.insert({
      roomName: `${spec.slug}-${spec.meeting.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
      livekitRoomId: `RM_${randomBytes(6).toString('hex')}`,
      createdBy: adminId,
      startedAt: meetingStart,
      endedAt: new Date(meetingStart.getTime() + 45 * 60_000),
      metadata: {
        title: spec.meeting.title,
        description: spec.meeting.description,
        participants: [...tenant.people.map((p) => p.name), 'CEO', 'CFO'],
      },
    }),
  ]);
  const personalities = add(
    await scoped.tables.aiPersonalities.insert(
      (Object.keys(PERSONAS) as Persona[]).map((persona) => ({
        name: PERSONAS[persona].name,
        description: PERSONAS[persona].description,
        persona,
        systemPrompt: PERSONAS[persona].prompt(spec.name),
        temperature: PERSONAS[persona].temperature,
        maxTokens: 2000,
        preferredModel: persona === 'cmo' ? 'gpt-4o' : 'claude-sonnet-4',
        isDefault: persona === 'ceo',
      })),
    ),
  );
  const personalityOf = (persona: Persona) => personalities.find((p) => p.persona === persona)?.id;

  const connectorRows = add(
    await scoped.tables.connectors.insert(
      spec.connectors.map((c) => ({
        name: c.name,
        provider: c.provider,
        description: c.description,
        config: c.config,
        // An opaque placeholder in the format of encrypted credentials: no secret in sample data.
        credentialsEncrypted: c.status === 'PENDING' ? null : `enc:v1:${randomBytes(24).toString('base64')}`,
        status: c.status,
        enabled: c.status === 'ACTIVE',
        lastSyncAt: c.status === 'PENDING' ? null : hoursAgo(c.status === 'ERROR' ? 52 : 3),
        syncStatus: c.status === 'ACTIVE' ? 'ok' : c.status === 'ERROR' ? 'failed' : null,
        syncError: c.syncError ?? null,
      })),
    ),
  );
  const connectors = new Map(connectorRows.map((c) => [c.provider, c.id]));

  // Knowledge: each document chunked and embedded (the local stand-in for the embedding model).
  const documents = add(
    await scoped.tables.knowledgeDocuments.insert(
      spec.knowledge.map((k) => ({
        title: k.title,
        content: k.content,
        category: k.category,
        source: k.source,
        embedding: embed(`${k.title}\n${k.content}`),
        metadata: { source: k.source, author: tenant.people[0]?.name, tags: [k.category] },
      })),
    ),
  );
  add(
    await scoped.tables.knowledgeChunks.insert(
      documents.flatMap((doc) =>
        chunkText(doc.content, CHUNKING).map((content, position) => ({
          documentId: doc.id,
          position,
          content,
          embedding: embed(content),
          metadata: { chunkSize: CHUNKING.size, overlapSize: CHUNKING.overlap },
        })),
      ),
    ),
  );

  add([
    await scoped.tables.businessProfiles.insert({
      companyName: spec.name,
      industry: spec.profile.industry,
      size: spec.profile.size,
      website: `https://${spec.domain}`,
      description: spec.profile.description,
      goals: spec.profile.goals,
      metadata: { plan: spec.plan, fiscalYearStart: 'january' },
    }),
  ]);

  const taskSpecs = [
    {
      type: 'connector.sync',
      moduleSlug: 'growth-pulse',
      provider: 'google-analytics',
      status: 'completed',
      agent: 'cmo',
      at: 1,
    },
    { type: 'insight.generate', moduleSlug: 'growth-pulse', provider: null, status: 'completed', agent: 'cmo', at: 1 },
    {
      type: 'insight.generate',
      moduleSlug: 'churn-watch',
      provider: 'stripe',
      status: 'completed',
      agent: 'cfo',
      at: 2,
    },
    { type: 'report.weekly', moduleSlug: 'exec-brief', provider: 'slack', status: 'pending', agent: 'ceo', at: -2 },
    {
      type: 'connector.sync',
      moduleSlug: null,
      provider: spec.connectors.find((c) => c.status === 'ERROR')?.provider ?? 'google-analytics',
      status: 'failed',
      agent: 'cto',
      at: 3,
    },
  ] as const;
  const taskRows = add(
    await scoped.tables.tasks.insert(
      taskSpecs.map((t) => {
        const runAt = t.at < 0 ? daysFromNow(-t.at) : daysAgo(t.at);
        const done = t.status === 'completed' || t.status === 'failed';
        return {
          type: t.type,
          status: t.status,
          priority: t.type === 'report.weekly' ? ('high' as const) : ('normal' as const),
          payload: { persona: t.agent, range: 'last_7_days', ...(t.provider ? { provider: t.provider } : {}) },
          attempts: t.status === 'failed' ? 3 : done ? 1 : 0,
          runAt,
          startedAt: done ? runAt : null,
          completedAt: done ? new Date(runAt.getTime() + 40_000) : null,
          error: t.status === 'failed' ? 'Sync failed after 3 attempts: 401 Unauthorized from the provider' : null,
          moduleSlug: t.moduleSlug,
          connectorId: (t.provider && connectors.get(t.provider)) ?? null,
          createdBy: adminId,
        };
      }),
    ),
  );
  const tasks = taskRows.map((row, i) => ({
    id: row.id,
    status: row.status,
    moduleSlug: row.moduleSlug,
    type: row.type,
    agent: taskSpecs[i]!.agent as Persona,
  }));

  // Conversations: seed 002's, one from the website widget, one recorded in the meeting.
  const threads = [
    ...spec.conversations.map((c, i) => ({
      values: { persona: c.persona, title: c.title, userId: adminId, personalityId: personalityOf(c.persona) },
      messages: c.messages,
      at: daysAgo(6 - i),
    })),
    {
      values: {
        persona: 'cmo' as const,
        title: `Website visitor: ${spec.widget.chat[0]?.[1].slice(0, 40)}`,
        widgetId: widget!.id,
        personalityId: personalityOf('cmo'),
        metadata: { channel: 'widget', visitorId: `v_${randomBytes(5).toString('hex')}`, host: spec.widget.hosts[0] },
      },
      messages: spec.widget.chat,
      at: daysAgo(1),
    },
    {
      values: {
        persona: 'ceo' as const,
        title: spec.meeting.title,
        mode: 'meeting' as const,
        userId: adminId,
        meetingId: meeting!.id,
        personalityId: personalityOf('ceo'),
        endedAt: meeting!.endedAt,
      },
      messages: spec.meeting.chat,
      at: meetingStart,
    },
  ];
  const conversations: AdminRows['conversations'] = [];
  for (const thread of threads) {
    // Model usage of each assistant answer (micro-dollars), which also becomes a cost event.
    const usage = thread.messages.map(([role, content]) => {
      if (role !== 'assistant') return { tokens: Math.ceil(content.length / 4), micros: 0 };
      const tokens = 300 + Math.floor(rand() * 900);
      return { tokens, micros: tokens * 9 + Math.floor(rand() * 2000) };
    });
    const costMicros = usage.filter((u) => u.micros > 0).map((u) => u.micros);
    const convo = await scoped.tables.conversations.insert({
      ...thread.values,
      totalCostUsd: usd(costMicros.reduce((a, b) => a + b, 0)),
      createdAt: thread.at,
    });
    rows += 1;
    if (thread.messages.length > 0) {
      add(
        await scoped.tables.messages.insert(
          thread.messages.map(([role, content], i) => {
            const u = usage[i]!;
            return {
              conversationId: convo.id,
              role,
              content,
              tokensUsed: u.tokens,
              costUsd: role === 'assistant' ? usd(u.micros) : null,
              metadata:
                role === 'assistant' ? { model: 'claude-sonnet-4', latencyMs: 600 + Math.floor(rand() * 2400) } : {},
              createdAt: new Date(thread.at.getTime() + i * 45_000),
            };
          }),
        ),
      );
    }
    conversations.push({
      id: convo.id,
      costMicros,
      tokens: usage.filter((u) => u.micros > 0).map((u) => u.tokens),
      at: thread.at,
    });
  }
  return { rows, connectors, conversations, tasks };
}

const CHUNKING = { size: 60, overlap: 12 } as const;

const PROVIDER: Record<Service, string> = {
  llm: 'anthropic',
  embedding: 'voyage',
  vision: 'openai',
  voice_stt: 'deepgram',
  voice_tts: 'elevenlabs',
  livekit: 'livekit',
};

/** What the application records for the tenant: analytics, usage, costs, agent output, alerts. */
async function seedActivity(
  tx: OrmTransaction,
  scoped: TenantScope,
  spec: SampleTenantSpec,
  made: AdminRows,
): Promise<number> {
  const rand = prng(`${spec.slug}:activity`);
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  let rows = 0;
  const ga = made.connectors.get('google-analytics') ?? null;

  // Agent results for every task that ran.
  rows += (
    await scoped.tables.agentResults.insert(
      made.tasks
        .filter((t) => t.status === 'completed' || t.status === 'failed')
        .map((t) => {
          const tokens = t.status === 'failed' ? 0 : between(800, 4000);
          return {
            taskId: t.id,
            agent: t.agent,
            status: t.status === 'failed' ? ('failure' as const) : ('success' as const),
            summary:
              t.status === 'failed'
                ? 'Could not sync: the provider rejected the stored credentials.'
                : t.type === 'connector.sync'
                  ? 'Synced 7 days of sessions, users and conversions.'
                  : `Generated ${t.moduleSlug} insights for the last 7 days.`,
            output: t.status === 'failed' ? { error: 'unauthorized', retryable: false } : { records: between(50, 900) },
            tokensUsed: tokens,
            costUsd: usd(tokens * 9),
          };
        }),
    )
  ).length;

  // Daily analytics snapshots from the Google Analytics connector, one per day (upsert).
  const baseSessions = Math.round(700 * spec.scale);
  const snapshots = Array.from({ length: 14 }, (_, i) => {
    const day = 14 - i; // oldest first
    const date = dateString(daysAgo(day));
    const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
    const weekend = weekday === 0 || weekday === 6;
    const trend = 1 + (14 - day) * 0.01;
    const sessions = Math.round(baseSessions * trend * (weekend ? 0.6 : 1) * (0.9 + rand() * 0.2));
    const conversions = Math.round(sessions * (0.018 + rand() * 0.012));
    const organic = Math.round(sessions * 0.46);
    const paid = Math.round(sessions * 0.22);
    const referral = Math.round(sessions * 0.09);
    return {
      connectorId: ga,
      date,
      sessions,
      users: Math.round(sessions * 0.72),
      conversions,
      revenue: cents(conversions * between(4_000, 12_000)),
      sourceBreakdown: { organic, paid, referral, direct: sessions - organic - paid - referral },
      metadata: { source: 'google-analytics', sampled: false },
    };
  });
  rows += (
    await tx
      .insert(analyticsSnapshots)
      .values(snapshots)
      .onConflictDoUpdate({
        target: [analyticsSnapshots.tenantId, analyticsSnapshots.date],
        set: {
          sessions: sql`excluded.sessions`,
          users: sql`excluded.users`,
          conversions: sql`excluded.conversions`,
          revenue: sql`excluded.revenue`,
          sourceBreakdown: sql`excluded.source_breakdown`,
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: analyticsSnapshots.id })
  ).length;

  // Product events over the same 14 days.
  const eventTypes = [
    ['page_view', 'web', 6],
    ['widget_opened', 'widget', 2],
    ['chat_started', 'app', 2],
    ['signup', 'web', 1],
    ['checkout_completed', 'stripe', 1],
    ['connector_synced', 'connector', 1],
  ] as const;
  const events = [];
  for (let day = 13; day >= 0; day--) {
    for (const [name, source, weight] of eventTypes) {
      const n = Math.round(weight * spec.scale * (0.5 + rand()));
      for (let k = 0; k < n; k++) {
        const occurredAt = new Date(daysAgo(day).getTime() - between(0, 20 * 3600) * 1000);
        events.push({
          eventType: name === 'page_view' || name === 'widget_opened' ? 'engagement' : 'conversion',
          eventName: name,
          source,
          sourceId:
            name === 'connector_synced' ? ga : name === 'checkout_completed' ? made.connectors.get('stripe') : null,
          properties:
            name === 'page_view'
              ? { path: ['/', '/pricing', '/docs', '/blog', '/contact'][between(0, 4)], referrer: 'google' }
              : name === 'checkout_completed'
                ? { amountCents: between(2_000, 25_000), currency: 'usd' }
                : {},
          occurredAt,
        });
      }
    }
  }
  rows += (await scoped.tables.analyticsEvents.insert(events.map((e) => ({ ...e, sourceId: e.sourceId ?? null }))))
    .length;

  // Daily usage (API calls, tokens, storage), one row per day (upsert).
  const usage = Array.from({ length: 14 }, (_, i) => {
    const day = 14 - i;
    return {
      date: dateString(daysAgo(day)),
      apiCalls: Math.round(between(800, 1400) * spec.scale),
      tokensUsed: Math.round(between(90_000, 220_000) * spec.scale),
      storageBytes: Math.round((40 + i * 0.8) * 1024 * 1024 * spec.scale),
      metadata: { widgetSessions: Math.round(between(20, 60) * spec.scale) },
    };
  });
  rows += (
    await tx
      .insert(usageSnapshots)
      .values(usage)
      .onConflictDoUpdate({
        target: [usageSnapshots.tenantId, usageSnapshots.date],
        set: {
          apiCalls: sql`excluded.api_calls`,
          tokensUsed: sql`excluded.tokens_used`,
          storageBytes: sql`excluded.storage_bytes`,
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: usageSnapshots.id })
  ).length;

  // Cost events over the last 30 days: each assistant answer, plus background usage.
  const costs: {
    service: Service;
    provider: string;
    micros: number;
    tokens: number | null;
    at: Date;
    conversationId: string | null;
    model?: string;
  }[] = [];
  for (const c of made.conversations) {
    c.costMicros.forEach((micros, i) =>
      costs.push({
        service: 'llm',
        provider: PROVIDER.llm,
        micros,
        tokens: c.tokens[i] ?? null,
        at: new Date(c.at.getTime() + (i + 1) * 45_000),
        conversationId: c.id,
        model: 'claude-sonnet-4',
      }),
    );
  }
  const perDay: [Service, number, number, number][] = [
    // service, events per day (at scale 1), min and max micro-dollars per event
    ['llm', 4, 20_000, 90_000],
    ['embedding', 2, 200, 3_000],
    ['vision', 0.5, 8_000, 40_000],
    ['voice_stt', 0.5, 15_000, 60_000],
    ['voice_tts', 0.5, 20_000, 80_000],
    ['livekit', 0.3, 60_000, 240_000],
  ];
  for (let day = 29; day >= 0; day--) {
    for (const [service, perDayCount, lo, hi] of perDay) {
      const n = Math.floor(perDayCount * spec.scale + rand());
      for (let k = 0; k < n; k++) {
        const micros = between(lo, hi);
        costs.push({
          service,
          provider: PROVIDER[service],
          micros,
          tokens: service === 'llm' ? Math.round(micros / 9) : service === 'embedding' ? Math.round(micros * 10) : null,
          at: new Date(daysAgo(day).getTime() - between(60, 20 * 3600) * 1000),
          conversationId: null,
          ...(service === 'llm' ? { model: 'claude-sonnet-4' } : {}),
        });
      }
    }
  }
  rows += (
    await scoped.tables.costEvents.insert(
      costs.map((c) => ({
        conversationId: c.conversationId,
        service: c.service,
        provider: c.provider,
        tokensUsed: c.tokens,
        costUsd: usd(c.micros),
        metadata: {
          ...(c.model ? { model: c.model } : {}),
          operation: c.service === 'livekit' ? 'room_minutes' : c.service === 'embedding' ? 'embed' : 'generate',
          ...(c.service === 'voice_stt' || c.service === 'livekit' ? { duration: between(30, 1800) } : {}),
        },
        occurredAt: c.at,
      })),
    )
  ).length;

  // Weekly cost summaries, rolled up from the events by SQL (RLS: this tenant's events only).
  const summaries = await tx.execute(sql`
    insert into cost_summaries (period_start, period_end, total_cost_usd, breakdown, event_count)
    select week, week + interval '7 days', sum(total), jsonb_object_agg(service, total::text), sum(n)::int
    from (
      select date_trunc('week', occurred_at) as week, service, sum(cost_usd) as total, count(*) as n
      from cost_events group by 1, 2
    ) per_service
    group by week
    returning id`);
  rows += rowCount(summaries);

  // Budget alerts, as the budget monitor raises them: 50%, 80% and 100% of the monthly budget.
  const spentMicros = costs.reduce((sum, c) => sum + c.micros, 0);
  const budgetMicros = spec.monthlyBudgetUsd * 1_000_000;
  const crossed = [0.5, 0.8, 1].filter((f) => spentMicros >= f * budgetMicros);
  const alerts: {
    threshold: string;
    currentSpend: string;
    period: 'daily' | 'monthly';
    severity: 'warning' | 'critical';
    notificationsSent: number;
    triggeredAt: Date;
    metadata: { recipients: string[]; channels: string[] };
  }[] = crossed.map((f, i) => ({
    threshold: (spec.monthlyBudgetUsd * f).toFixed(2),
    currentSpend: usd(spentMicros),
    period: 'monthly' as const,
    severity: f >= 1 ? ('critical' as const) : ('warning' as const),
    notificationsSent: 1,
    triggeredAt: daysAgo(Math.max(1, 12 - i * 5)),
    metadata: { recipients: [`billing@${spec.domain}`], channels: ['email', 'slack'] },
  }));
  alerts.push({
    threshold: (spec.monthlyBudgetUsd / 10).toFixed(2),
    currentSpend: usd(Math.round(budgetMicros / 9)),
    period: 'daily',
    severity: 'warning',
    notificationsSent: 1,
    triggeredAt: daysAgo(9),
    metadata: { recipients: [`billing@${spec.domain}`], channels: ['email'] },
  });
  rows += (
    await scoped.tables.budgetAlerts.insert(
      alerts.map((a) => ({
        ...a,
        resolved: a.period === 'daily',
        resolvedAt: a.period === 'daily' ? daysAgo(8) : null,
      })),
    )
  ).length;

  // Module insights, computed from the data above.
  const lastWeek = snapshots.slice(-7).reduce((s, r) => s + r.sessions, 0);
  const weekBefore = snapshots.slice(0, 7).reduce((s, r) => s + r.sessions, 0);
  const growth = ((lastWeek - weekBefore) / weekBefore) * 100;
  const budgetShare = (spentMicros / budgetMicros) * 100;
  rows += (
    await scoped.tables.moduleInsights.insert([
      {
        moduleSlug: 'growth-pulse',
        severity: growth < 0 ? 'warning' : 'info',
        summary: `Sessions ${growth < 0 ? 'down' : 'up'} ${Math.abs(growth).toFixed(1)}% week over week (${lastWeek.toLocaleString('en-US')} sessions).`,
        highlights: [
          `Organic search brings ${Math.round((snapshots.at(-1)!.sourceBreakdown.organic / snapshots.at(-1)!.sessions) * 100)}% of sessions`,
          'Weekend traffic runs about 40% below weekdays',
        ],
        actionItems: {
          items: [
            { title: 'Refresh the pricing page hero copy', priority: 'medium' },
            { title: 'Double the budget of the best paid campaign for one week', priority: 'low' },
          ],
        },
        score: Math.min(99, Math.max(1, 50 + growth * 2)).toFixed(2),
        metadata: { window: 'last_7_days', connector: 'google-analytics' },
      },
      {
        moduleSlug: 'churn-watch',
        severity: 'warning',
        summary: `${between(2, 6)} customers used the product less than half as much as last month.`,
        highlights: ['Usage drops cluster in the second month after signup'],
        actionItems: {
          items: [
            {
              title: 'Schedule check-in calls with the at-risk accounts',
              priority: 'high',
              dueDate: dateString(daysFromNow(5)),
            },
          ],
        },
        score: (between(5500, 8000) / 100).toFixed(2),
        metadata: { window: 'last_30_days' },
      },
      {
        moduleSlug: 'cost-guard',
        severity: budgetShare >= 100 ? 'critical' : budgetShare >= 80 ? 'warning' : 'info',
        summary: `AI spend is ${budgetShare.toFixed(0)}% of the $${spec.monthlyBudgetUsd} monthly budget (${usd(spentMicros).slice(0, -4)} USD over 30 days).`,
        highlights: ['Language model calls are the largest cost line'],
        actionItems: { items: [{ title: 'Route short answers to a smaller model', priority: 'medium' }] },
        score: Math.min(100, budgetShare).toFixed(2),
        metadata: { budgetUsd: spec.monthlyBudgetUsd },
      },
    ])
  ).length;
  return rows;
}

/** Platform-wide knowledge (system context), added only when there is none. */
async function seedGlobalKnowledge(db: Database): Promise<number> {
  return withSystemContext(
    db,
    async (tx) => {
      const [existing] = await tx.select({ n: count() }).from(globalKnowledgeDocuments);
      if ((existing?.n ?? 0) > 0) return 0;
      const documents = await tx
        .insert(globalKnowledgeDocuments)
        .values(GLOBAL_KNOWLEDGE.map((k) => ({ ...k, metadata: { source: 'tenantdb', tags: [k.category] } })))
        .returning();
      await tx.insert(globalKnowledgeChunks).values(
        documents.flatMap((doc) =>
          chunkText(doc.content, CHUNKING).map((content, position) => ({
            documentId: doc.id,
            position,
            content,
            embedding: embed(content),
          })),
        ),
      );
      return documents.length;
    },
    { reason: 'seed: global knowledge' },
  );
}

// --- small helpers -------------------------------------------------------------------------

const DAY = 86_400_000;

function daysAgo(days: number): Date {
  return new Date(Date.now() - days * DAY);
}

function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY);
}

function hoursAgo(hours: number): Date {
  return new Date(Date.now() - hours * 3_600_000);
}

/** YYYY-MM-DD (UTC). */
function dateString(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Micro-dollars (an integer) as a numeric string with 6 decimals: money never goes through a float. */
function usd(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/** Cents (an integer) as a numeric string with 2 decimals. */
function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

function sha256(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}

/** A small deterministic PRNG (mulberry32), so every run seeds the same numbers. */
function prng(seed: string): () => number {
  let state = Number.parseInt(sha256(seed).slice(0, 8), 16);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function rowCount(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  return (result as { rows: unknown[] }).rows.length;
}
