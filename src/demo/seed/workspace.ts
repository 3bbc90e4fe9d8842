/** The tenant's workspace, set up by its admin: website widget, a recorded meeting, AI personas, business profile. */
import { randomBytes } from 'node:crypto';
import { daysAgo } from '../data/helpers.ts';
import { PERSONAS } from '../data/personas.ts';
import type { Persona, SampleTenantSpec } from '../data/spec.ts';
import type { SeedScope } from './scope.ts';
import type { SampleTenant } from './tenant.ts';

export interface Workspace {
  rows: number;
  widgetId: string;
  meeting: { id: string; startedAt: Date; endedAt: Date | null };
  /** The AI personality of each persona. */
  personalities: Map<Persona, string>;
}

export async function seedWorkspace(
  scope: SeedScope,
  spec: SampleTenantSpec,
  tenant: SampleTenant,
  adminId: string,
): Promise<Workspace> {
  const widget = await scope.tables.widgets.insert({
    name: spec.widget.name,
    domainWhitelist: spec.widget.hosts,
    settings: {
      theme: 'auto',
      position: 'bottom-right',
      greeting: spec.widget.greeting,
      primaryColor: spec.widget.primaryColor,
      secondaryColor: '#f8f9fa',
    },
  });
  const startedAt = daysAgo(2);
  const meeting = await scope.tables.meetings.insert({
    roomName: `${spec.slug}-${spec.meeting.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
    livekitRoomId: `RM_${randomBytes(6).toString('hex')}`,
    createdBy: adminId,
    startedAt,
    endedAt: new Date(startedAt.getTime() + 45 * 60_000),
    metadata: {
      title: spec.meeting.title,
      description: spec.meeting.description,
      participants: [...tenant.people.map((p) => p.name), 'CEO', 'CFO'],
    },
  });
  const personalities = await scope.tables.aiPersonalities.insert(
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
  );
  await scope.tables.businessProfiles.insert({
    companyName: spec.name,
    industry: spec.profile.industry,
    size: spec.profile.size,
    website: `https://${spec.domain}`,
    description: spec.profile.description,
    goals: spec.profile.goals,
    metadata: { plan: spec.plan, fiscalYearStart: 'january' },
  });
  return {
    rows: 1 + 1 + personalities.length + 1,
    widgetId: widget.id,
    meeting: { id: meeting.id, startedAt, endedAt: meeting.endedAt },
    personalities: new Map(personalities.map((p) => [p.persona as Persona, p.id])),
  };
}
