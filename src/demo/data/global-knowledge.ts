/** Platform-wide knowledge every tenant can read (global_knowledge_*). */
export const GLOBAL_KNOWLEDGE: { title: string; category: string; content: string }[] = [
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
