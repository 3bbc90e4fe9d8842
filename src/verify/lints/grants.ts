import { tenantScoped } from './catalogue.ts';
import { lint, lintFamily } from './lint.ts';

const APP_DML_ONLY = lint('grant.app-dml-only', (app) => `${app} has DML only`);

/** The privileges the application role must not have on a tenant table. */
const FORBIDDEN = ['TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** The application role has DML on tenant tables and nothing more: TRUNCATE, for one, ignores RLS. */
export const grantLints = lintFamily({
  name: 'grant',
  lints: [APP_DML_ONLY],
  async run({ session, schemas, app, tables }, report) {
    const tenant = tenantScoped(await tables());
    const grants = await session.query<{ table: string; privilege: string }>(
      `select c.oid::regclass::text as table, p.privilege
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       cross join unnest($3::text[]) p(privilege)
       where c.relkind in ('r', 'p') and n.nspname = any($1::text[])
         and exists (select 1 from pg_roles where rolname = $2)
         and has_table_privilege($2, c.oid, p.privilege)`,
      [schemas, app, FORBIDDEN],
    );
    for (const table of tenant) {
      const bad = grants.filter((g) => g.table === table.name || `public.${g.table}` === table.name);
      report(
        APP_DML_ONLY,
        table.name,
        bad.length === 0,
        bad.length === 0
          ? 'no TRUNCATE, REFERENCES or TRIGGER'
          : `REVOKE ${bad.map((b) => b.privilege).join(', ')} ON ${table.name} FROM ${app}`,
      );
    }
  },
});
