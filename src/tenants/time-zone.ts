/** A tenant's time zone: the days, weeks and months its costs, budgets, usage and analytics are counted in. */
import { eq, sql } from 'drizzle-orm';
import { tenants } from '../contract/tenants.ts';
import { TenantDbError } from '../errors.ts';
import { requireSystemScope, rowsOf, validateContext, type SystemScope } from '../tenancy/index.ts';

/**
 * Sets the tenant's time zone (`tenants.settings.timeZone`), an IANA name the database knows
 * (`'Europe/Berlin'`, `'America/New_York'`, `'UTC'`); the default is UTC. Checked against the
 * database's time-zone list before anything is written. The budgets of the tenant's current day,
 * week and month are re-evaluated in the same transaction. Periods already counted keep the time
 * zone they were counted in (their `time_zone` column); a cost rollup with `since` recomputes
 * summaries in the new one.
 *
 * @example
 * await setTenantTimeZone(system, tenantId, 'Europe/Berlin');
 */
export async function setTenantTimeZone(scope: SystemScope, tenantId: string, timeZone: string): Promise<void> {
  const system = requireSystemScope(scope, 'setTenantTimeZone');
  validateContext({ tenantId });
  if (typeof timeZone !== 'string' || timeZone === '' || timeZone.length > 64) {
    throw new TenantDbError(
      'INVALID_INPUT',
      'setTenantTimeZone: timeZone must be an IANA time zone name, e.g. Europe/Berlin.',
    );
  }
  await system.transaction(async (tx) => {
    const [known] = rowsOf<{ ok: boolean }>(
      await tx.execute(sql`select exists (select 1 from pg_catalog.pg_timezone_names where name = ${timeZone}) as ok`),
    );
    if (!known?.ok) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `setTenantTimeZone: the database knows no time zone ${JSON.stringify(timeZone)}: pass an IANA name such as Europe/Berlin. Nothing was changed.`,
      );
    }
    const updated = await tx
      .update(tenants)
      .set({ settings: sql`jsonb_set(${tenants.settings}, '{timeZone}', to_jsonb(${timeZone}::text))` })
      .where(eq(tenants.id, tenantId))
      .returning({ id: tenants.id });
    if (updated.length === 0) throw new TenantDbError('TENANT_NOT_FOUND', `Tenant ${tenantId} does not exist.`);
    await tx.execute(sql`select tenantdb.reevaluate_budgets(${tenantId}::uuid)`);
  });
}
