import { lint, lintFamily } from './lint.ts';

const DEFINER_SEARCH_PATH = lint('function.definer-search-path', 'SECURITY DEFINER has a fixed search_path');

/**
 * A SECURITY DEFINER function runs with its owner's rights: without a fixed search_path a caller
 * can shadow the objects it uses. Checked in every non-system schema, not only the application's.
 */
export const functionLints = lintFamily({
  name: 'function',
  lints: [DEFINER_SEARCH_PATH],
  async run({ session }, report) {
    const definers = await session.query<{ name: string; fixed: boolean }>(
      `select p.oid::regprocedure::text as name,
              coalesce(exists (select 1 from unnest(p.proconfig) c where c like 'search\\_path=%'), false) as fixed
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where p.prosecdef and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'
       order by 1`,
    );
    for (const f of definers) {
      report(
        DEFINER_SEARCH_PATH,
        f.name,
        f.fixed,
        f.fixed
          ? 'SET search_path'
          : `ALTER FUNCTION ${f.name} SET search_path = pg_catalog, pg_temp (otherwise a caller can shadow the objects it uses)`,
      );
    }
  },
});
