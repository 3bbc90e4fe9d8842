/** The custom 'analyst' role, created and assigned by the tenant's admin (RBAC applies). */
import { assignRole, createRole } from '../../rbac/index.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import { ANALYST_ROLE } from '../data/workspace.ts';
import type { SeedScope } from './scope.ts';
import type { SampleTenant } from './tenant.ts';

/** Returns the rows written: the role, its permissions and the assignment. */
export async function seedAnalystRole(scope: SeedScope, spec: SampleTenantSpec, tenant: SampleTenant): Promise<number> {
  await createRole(scope, ANALYST_ROLE);
  const analyst = tenant.people.find((p) => p.name === spec.analyst) ?? tenant.people[0];
  if (!analyst) throw new Error(`sample tenant ${spec.slug} has no people`);
  await assignRole(scope, analyst.userId, ANALYST_ROLE.name);
  return 1 + ANALYST_ROLE.permissions.length + 1;
}
