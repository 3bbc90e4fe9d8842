/**
 * The one catalogue query several lint families share: the tables of the application schemas,
 * with their tenant_id column, RLS flags, global-table registration and (on a Citus coordinator)
 * how Citus distributes them.
 */
import type { RawSession } from '../../db/database.ts';

export interface CatalogueTable {
  oid: number;
  /** Schema-qualified: `public.messages`. */
  name: string;
  /** tenant_id's attribute number; null when the table has no tenant_id (a global table). */
  tenant_attnum: number | null;
  tenant_notnull: boolean | null;
  rls: boolean;
  forced: boolean;
  /** The reason recorded in tenantdb.global_tables, or null when the table is not registered. */
  global_reason: string | null;
  /** Citus's distribution method (`h` hash-distributed, `n` reference table), null when not distributed or without Citus. */
  citus_method: string | null;
}

export async function loadTables(session: RawSession, schemas: string[]): Promise<CatalogueTable[]> {
  const [registry] = await session.query<{ exists: boolean; citus: boolean }>(
    `select to_regclass('tenantdb.global_tables') is not null as exists,
            to_regclass('pg_catalog.pg_dist_partition') is not null as citus`,
  );
  // The registry is optional (verify also runs on schemas migrated by other tools); the fragment
  // chosen here is constant SQL, no value is spliced in.
  return session.query<CatalogueTable>(
    `select c.oid::int as oid, n.nspname || '.' || c.relname as name,
            a.attnum::int as tenant_attnum, a.attnotnull as tenant_notnull,
            c.relrowsecurity as rls, c.relforcerowsecurity as forced,
            ${registry?.exists ? `(select g.reason from tenantdb.global_tables g where g.table_name = n.nspname || '.' || c.relname)` : 'null::text'} as global_reason,
            ${registry?.citus ? `(select d.partmethod::text from pg_catalog.pg_dist_partition d where d.logicalrelid = c.oid)` : 'null::text'} as citus_method
     from pg_class c
     join pg_namespace n on n.oid = c.relnamespace
     left join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
     where c.relkind in ('r', 'p') and n.nspname = any($1::text[]) and not c.relispartition
     order by 2`,
    [schemas],
  );
}

/** Whether Citus distributes the table (hash-distributed or a reference table). */
export const isDistributed = (table: CatalogueTable) => table.citus_method !== null;

/** The tables with a tenant_id column. */
export const tenantScoped = (tables: CatalogueTable[]) => tables.filter((t) => t.tenant_attnum !== null);
