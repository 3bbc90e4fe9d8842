import type { SampleTenantSpec } from './spec.ts';

/** Acme Corporation (seed 002): an enterprise tenant with two people. */
export const acme: SampleTenantSpec = {
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
  dailyBudgetUsd: '0.60',
  timeZone: 'America/New_York',
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
  question: 'contractor discount on Pro orders',
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
};
