import { lint, lintFamily } from './lint.ts';

const SECURITY_INVOKER = lint('view.security-invoker', 'view is security_invoker');
const NO_MATERIALIZED = lint('view.no-materialized', 'no materialized view for the application role');

/**
 * A view reads its tables with its owner's rights unless it is security_invoker, and a
 * materialized view has no RLS at all: neither may be readable by the application role.
 */
export const viewLints = lintFamily({
  name: 'view',
  lints: [SECURITY_INVOKER, NO_MATERIALIZED],
  async run({ session, schemas, app }, report) {
    const views = await session.query<{ name: string; kind: string; invoker: boolean; readable: boolean }>(
      `select c.oid::regclass::text as name, c.relkind::text as kind,
              coalesce(c.reloptions::text[] && array['security_invoker=true', 'security_invoker=on', 'security_invoker=1'], false) as invoker,
              exists (select 1 from pg_roles where rolname = $2) and has_table_privilege($2, c.oid, 'SELECT') as readable
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('v', 'm') and n.nspname = any($1::text[])
         -- An extension's own views (Citus puts citus_tables and citus_schemas in public) are the
         -- extension's catalogue, not application data.
         and not exists (select 1 from pg_depend d
                         where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
       order by 1`,
      [schemas, app],
    );
    for (const v of views) {
      if (v.kind === 'v') {
        report(
          SECURITY_INVOKER,
          v.name,
          v.invoker || !v.readable,
          v.invoker
            ? 'security_invoker'
            : v.readable
              ? `ALTER VIEW ${v.name} SET (security_invoker = true): otherwise it reads tables with its owner's rights, past RLS`
              : `not readable by ${app}`,
        );
      } else {
        report(
          NO_MATERIALIZED,
          v.name,
          !v.readable,
          v.readable
            ? `REVOKE SELECT ON ${v.name} FROM ${app}: a materialized view has no RLS`
            : `not readable by ${app}`,
        );
      }
    }
  },
});
