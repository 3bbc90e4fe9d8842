import { lint, lintFamily } from './lint.ts';

const DECLARED_GLOBAL = lint('table.declared-global', 'declared global');
const TENANT_ID_NOT_NULL = lint('table.tenant-id-not-null', 'tenant_id not null');
const RLS_ENABLED = lint('table.rls-enabled', 'RLS enabled');
const RLS_FORCED = lint('table.rls-forced', 'RLS forced');

/**
 * Every table is either tenant-scoped (a NOT NULL tenant_id, RLS enabled and forced) or declared
 * global in tenantdb.global_tables with a reason.
 */
export const tableLints = lintFamily({
  name: 'table',
  lints: [DECLARED_GLOBAL, TENANT_ID_NOT_NULL, RLS_ENABLED, RLS_FORCED],
  async run({ tables }, report) {
    for (const table of await tables()) {
      if (table.tenant_attnum === null) {
        report(
          DECLARED_GLOBAL,
          table.name,
          table.global_reason !== null,
          table.global_reason ??
            `No tenant_id column and not declared global. Declare it with tenantTable() (tenant-scoped) or globalTable() and list it in tenantdb.global_tables with a reason.`,
        );
        continue;
      }
      report(
        TENANT_ID_NOT_NULL,
        table.name,
        table.tenant_notnull === true,
        table.tenant_notnull
          ? 'tenant_id is NOT NULL'
          : `ALTER TABLE ${table.name} ALTER COLUMN tenant_id SET NOT NULL`,
      );
      report(
        RLS_ENABLED,
        table.name,
        table.rls,
        table.rls ? 'enabled' : `ALTER TABLE ${table.name} ENABLE ROW LEVEL SECURITY`,
      );
      report(
        RLS_FORCED,
        table.name,
        table.forced,
        table.forced
          ? 'forced'
          : `ALTER TABLE ${table.name} FORCE ROW LEVEL SECURITY (without it the table owner bypasses RLS)`,
      );
    }
  },
});
