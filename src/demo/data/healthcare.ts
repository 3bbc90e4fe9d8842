import type { SampleTenantSpec } from './spec.ts';

/** Healthcare Co (seed 002): a free tenant with one person. */
export const healthcare: SampleTenantSpec = {
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
  dailyBudgetUsd: '0.15',
  timeZone: 'UTC',
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
  question: 'encrypt laptops with patient information',
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
};
