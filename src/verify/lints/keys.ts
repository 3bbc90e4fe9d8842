import { tenantScoped } from './catalogue.ts';
import { lint, lintFamily } from './lint.ts';

const TENANT_LEADING_INDEX = lint('key.tenant-leading-index', 'tenant-leading index');
const PRIMARY_INCLUDES_TENANT = lint('key.primary-includes-tenant', 'primary key includes tenant_id');
const UNIQUE_INCLUDES_TENANT = lint('key.unique-includes-tenant', 'unique key includes tenant_id');
const FOREIGN_INCLUDES_TENANT = lint('key.foreign-includes-tenant', 'foreign key includes tenant_id');

interface IndexRow {
  table_oid: number;
  table: string;
  name: string;
  unique: boolean;
  primary: boolean;
  keys: number[];
}

interface ForeignKeyRow {
  name: string;
  table_oid: number;
  ref_oid: number;
  table: string;
  ok: boolean;
}

/**
 * Keys and indexes of tenant tables: an index leads with tenant_id, primary and unique keys
 * include it, and a reference between tenant tables carries it on both sides.
 */
export const keyLints = lintFamily({
  name: 'key',
  lints: [TENANT_LEADING_INDEX, PRIMARY_INCLUDES_TENANT, UNIQUE_INCLUDES_TENANT, FOREIGN_INCLUDES_TENANT],
  async run({ session, schemas, tables }, report) {
    const tenant = tenantScoped(await tables());
    const tenantOids = new Set(tenant.map((t) => t.oid));
    const indexes = await session.query<IndexRow>(
      `select i.indrelid::int as table_oid, i.indrelid::regclass::text as table, i.indexrelid::regclass::text as name,
              i.indisunique as unique, i.indisprimary as primary, i.indkey::int2[]::int[] as keys
       from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = any($1::text[])`,
      [schemas],
    );
    for (const table of tenant) {
      const tenantAttnum = table.tenant_attnum as number;
      const own = indexes.filter((i) => i.table_oid === table.oid);
      const leading = own.filter((i) => i.keys[0] === tenantAttnum);
      report(
        TENANT_LEADING_INDEX,
        table.name,
        leading.length > 0,
        leading[0]?.name ?? `CREATE INDEX ON ${table.name} (tenant_id, …)`,
      );
      const pk = own.find((i) => i.primary);
      const pkOk = pk !== undefined && pk.keys.includes(tenantAttnum);
      report(
        PRIMARY_INCLUDES_TENANT,
        table.name,
        pkOk,
        pkOk
          ? pk.name
          : pk
            ? `${pk.name} leaves tenant_id out: make the primary key (tenant_id, id) (a key without it leaks the existence of other tenants' rows, and a composite reference cannot point at it).`
            : 'no primary key: use (tenant_id, id)',
      );
      for (const u of own.filter((i) => i.unique && !i.primary)) {
        const ok = u.keys.includes(tenantAttnum);
        report(
          UNIQUE_INCLUDES_TENANT,
          u.name,
          ok,
          ok
            ? 'includes tenant_id'
            : `A unique key without tenant_id leaks existence across tenants and cannot be distributed (Citus); add tenant_id to ${u.name}.`,
        );
      }
    }

    const fks = await session.query<ForeignKeyRow>(
      `select c.conname as name, c.conrelid::int as table_oid, c.confrelid::int as ref_oid, c.conrelid::regclass::text as table,
              exists (select 1 from unnest(c.conkey, c.confkey) k(a, b)
                      join pg_attribute x on x.attrelid = c.conrelid and x.attnum = k.a
                      join pg_attribute y on y.attrelid = c.confrelid and y.attnum = k.b
                      where x.attname = 'tenant_id' and y.attname = 'tenant_id') as ok
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace
       where c.contype = 'f' and n.nspname = any($1::text[])`,
      [schemas],
    );
    for (const fk of fks.filter((f) => tenantOids.has(f.table_oid) && tenantOids.has(f.ref_oid))) {
      report(
        FOREIGN_INCLUDES_TENANT,
        `${fk.table}.${fk.name}`,
        fk.ok,
        fk.ok
          ? '(tenant_id, …) → (tenant_id, …)'
          : `A reference between tenant tables must be composite (tenant_id, x) → (tenant_id, id), or a row can point at another tenant's row.`,
      );
    }
  },
});
