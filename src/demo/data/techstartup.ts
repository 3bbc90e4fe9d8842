import type { SampleTenantSpec } from './spec.ts';

/** Tech Startup Inc (seed 002): a pro tenant with one person. */
export const techstartup: SampleTenantSpec = {
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
  dailyBudgetUsd: '0.50',
  timeZone: 'Europe/Berlin',
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
  question: 'why extract billing from the monolith',
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
};
