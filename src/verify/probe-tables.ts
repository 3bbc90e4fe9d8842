/**
 * The tables the live probe writes into and attacks, read from the catalogue: every table of the
 * application schemas with a tenant_id column (tenantdb's, the user's, with or without the
 * contract), its columns, its key and its foreign keys, parents before children.
 */
import type { RawSession } from '../db/database.ts';

export interface ProbeColumn {
  name: string;
  /** `format_type()`: what a bound value is cast to. */
  type: string;
  notnull: boolean;
  hasdefault: boolean;
  generated: boolean;
  /** The first label, when the type is an enum. */
  enum_label: string | null;
  /** pg_type.typcategory. */
  category: string;
  typmod: number;
}

export interface ProbeForeignKey {
  name: string;
  columns: string[];
  ref_table: string;
  ref_columns: string[];
}

export interface ProbeTable {
  /** Schema-qualified where needed, quoted where needed (`regclass` text): usable in SQL as is. */
  name: string;
  /** `schema.table`, unquoted, as the catalogue lints name it in reports. */
  qualified: string;
  /** The primary key constraint, or null. */
  pk: string | null;
  /** The column a sample row is known by: `id`, else the first primary-key column other than tenant_id. */
  key: string;
  columns: ProbeColumn[];
  fks: ProbeForeignKey[];
}

/** The tables with a tenant_id column in `schemas`, parents (composite references) before children. */
export async function loadTenantTables(session: RawSession, schemas: string[]): Promise<ProbeTable[]> {
  const rows = await session.query<{ name: string }>(
    `SELECT c.oid::regclass::text AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
     ORDER BY 1`,
    [schemas],
  );
  const tables: ProbeTable[] = [];
  for (const r of rows) tables.push(await loadTable(session, r.name)); // one connection: sequentially
  const ordered: ProbeTable[] = [];
  const seen = new Set<string>();
  const visit = (t: ProbeTable) => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const fk of t.fks) {
      const parent = tables.find((p) => p.name === fk.ref_table);
      if (parent && parent !== t) visit(parent);
    }
    ordered.push(t);
  };
  tables.forEach(visit);
  return ordered;
}

/** One table's columns, key and foreign keys; `name` is anything `::regclass` accepts. */
export async function loadTable(session: RawSession, name: string): Promise<ProbeTable> {
  const [meta] = await session.query<{ qualified: string; pk: string | null; pk_columns: string[] }>(
    `SELECT (SELECT n.nspname || '.' || r.relname FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace
             WHERE r.oid = c.oid) AS qualified,
            p.conname AS pk,
            coalesce(array(SELECT a.attname::text FROM unnest(p.conkey) WITH ORDINALITY k(n, i)
                           JOIN pg_attribute a ON a.attrelid = p.conrelid AND a.attnum = k.n ORDER BY k.i), '{}') AS pk_columns
     FROM (SELECT $1::regclass AS oid) c
     LEFT JOIN pg_constraint p ON p.conrelid = c.oid AND p.contype = 'p'`,
    [name],
  );
  const columns = await session.query<ProbeColumn>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            a.atthasdef AS hasdefault, (a.attgenerated <> '' OR a.attidentity <> '') AS generated,
            (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1) AS enum_label,
            t.typcategory::text AS category, a.atttypmod AS typmod
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [name],
  );
  const fks = await session.query<ProbeForeignKey>(
    `SELECT c.conname AS name,
            array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            c.confrelid::regclass::text AS ref_table,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns
     FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'f' ORDER BY c.conname`,
    [name],
  );
  const pkColumns = meta?.pk_columns ?? [];
  const key =
    columns.find((c) => c.name === 'id')?.name ??
    pkColumns.find((c) => c !== 'tenant_id') ??
    columns.find((c) => c.name !== 'tenant_id')?.name ??
    'tenant_id';
  return { name, qualified: meta?.qualified ?? name, pk: meta?.pk ?? null, key, columns, fks };
}
