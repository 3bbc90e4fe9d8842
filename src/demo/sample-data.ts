/**
 * The sample data of `tenantdb seed` and `npm start`: the organisations of seed 002 with
 * believable data in every table. The data is in `./data` (plain values, no database code); the
 * seeders in `./seed` hand it to the public module APIs (knowledge, billing, usage, analytics,
 * tasks, rbac, tenants) with a scope, and implement no domain logic of their own.
 */
import { rollupCosts } from '../billing/index.ts';
import { createTenantClient } from '../client/tenant-client.ts';
import { createSystemScope, withTenantContext } from '../tenancy/index.ts';
import { SAMPLE_TENANTS } from './data/tenants.ts';
import { seedActivity } from './seed/activity.ts';
import { seedAsAdmin } from './seed/admin.ts';
import { seedGlobalKnowledge } from './seed/knowledge.ts';
import { seedAnalystRole } from './seed/rbac.ts';
import type { SeedDatabase } from './seed/scope.ts';
import { seedTenant, seedTenantDetails, type SampleTenant } from './seed/tenant.ts';

export { SAMPLE_TENANTS } from './data/tenants.ts';
export type { SampleTenantSpec } from './data/spec.ts';
export type { SampleTenant } from './seed/tenant.ts';

/**
 * Creates the sample tenants of seed 002 with their members, and fills every tenant table for
 * each: configuration written by the tenant's admin in their own context (so RBAC and the limits
 * apply), activity (analytics, usage, costs, agent results, budget alerts) written by the
 * application in a user-less tenant context, as its jobs would. Also a few platform-wide
 * knowledge documents (system context). Idempotent: a tenant whose slug exists is left as it is
 * (its ids are returned); global knowledge is added only when there is none.
 */
export async function seedSampleData(
  db: SeedDatabase,
  log: (line: string) => void = () => {},
): Promise<SampleTenant[]> {
  const result: SampleTenant[] = [];
  const system = createSystemScope(db, 'seed sample data');
  for (const spec of SAMPLE_TENANTS) {
    const { tenant, created } = await seedTenant(system, spec);
    let rows = 0;
    if (created) {
      await seedTenantDetails(system, spec, tenant);
      const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin') ?? tenant.people[0];
      if (!admin) throw new Error(`sample tenant ${spec.slug} has no people`);
      const asAdmin = { tenantId: tenant.id, userId: admin.userId };
      // On a tenant client, each call its own transaction: the role is granted in a later
      // transaction than the one that created it, as the RBAC policies may read the member's
      // grants as of the context's start.
      const roleRows = await seedAnalystRole(createTenantClient(db, asAdmin), spec, tenant);
      // The rest in one transaction: every module call joins the context's transaction.
      const made = await withTenantContext(db, asAdmin, (_tx, scope) => seedAsAdmin(scope, spec, tenant, admin.userId));
      // No user: the application acting for the tenant (sync jobs, rollups, the budget monitor).
      const activity = await withTenantContext(db, { tenantId: tenant.id }, (_tx, scope) =>
        seedActivity(scope, spec, made),
      );
      rows = roleRows + made.rows + activity;
    }
    log(
      `${created ? 'created' : 'kept'} ${spec.name} (${spec.people.map((p) => p.name).join(', ')})${created ? `: ${rows} rows` : ''}`,
    );
    result.push(tenant);
  }
  // The cost rollup job, as cron runs it: the sample costs' days, weeks and months.
  const rolled = await rollupCosts(system);
  log(`cost rollup: ${rolled.map((r) => `${r.summaries} ${r.period}s`).join(', ')}`);
  const added = await seedGlobalKnowledge(system);
  log(added > 0 ? `global knowledge: ${added} documents` : 'global knowledge: kept');
  return result;
}
