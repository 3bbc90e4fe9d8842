/** What the tenant's admin sets up, in their own tenant context: RBAC and the plan limits apply. */
import type { ActivityInputs } from '../data/activity.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import { seedApiKeys } from './api-keys.ts';
import { seedConnectors } from './connectors.ts';
import { seedConversations } from './conversations.ts';
import { seedKnowledge } from './knowledge.ts';
import type { SeedScope } from './scope.ts';
import { seedTasks } from './tasks.ts';
import type { SampleTenant } from './tenant.ts';
import { seedWorkspace } from './workspace.ts';

/** Returns the rows written and the rows the activity refers to. */
export async function seedAsAdmin(
  scope: SeedScope,
  spec: SampleTenantSpec,
  tenant: SampleTenant,
  adminId: string,
): Promise<ActivityInputs & { rows: number }> {
  let rows = await seedApiKeys(scope, adminId);
  const workspace = await seedWorkspace(scope, spec, tenant, adminId);
  rows += workspace.rows;
  const connectors = await seedConnectors(scope, spec);
  rows += connectors.size;
  rows += await seedKnowledge(scope, spec, tenant);
  const tasks = await seedTasks(scope, spec, adminId, connectors);
  rows += tasks.length;
  const { rows: messages, conversations } = await seedConversations(scope, spec, adminId, workspace);
  rows += messages;
  return { rows, connectors, conversations, tasks };
}
