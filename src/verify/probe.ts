import { randomUUID } from 'node:crypto';
import type { RawSession } from '../db/database.ts';
import { APP_ROLE } from '../contract/roles.ts';
import type { CheckItem } from './check.ts';

/**
 * Live probing: inside the caller's transaction (which the caller always rolls back), create two
 * throwaway tenants, write a row into every tenant table for each as the application role, then
 * attack each tenant's rows from the other's context — and with no context, a malformed id and
 * an SQL-injection string as the id. Everything is derived from the catalogue, so it works on any
 * schema that follows the contract (tenant_id + app.current_tenant_id + the application role).
 */
export interface ProbeOptions {
  schemas?: string[];
  appRole?: string;
}

interface Column {
  name: string;
  type: string;
  notnull: boolean;
  hasdefault: boolean;
  generated: boolean;
  enum_label: string | null;
  category: string;
  typmod: number;
}

interface ForeignKey {
  columns: string[];
  ref_table: string;
  ref_columns: string[];
}

interface Table {
  oid: number;
  name: string;
  pk: string | null;
  columns: Column[];
  fks: ForeignKey[];
}

interface Side {
  label: 'A' | 'B';
  tenantId: string;
  /** Row id per table. */
  rows: Map<string, string>;
  /** Rows of each table visible to this tenant after setup (audit rows included). */
  counts: Map<string, number>;
}

type Variant = 'tenant' | 'no context' | 'malformed id' | 'injection id';
const VARIANTS: Variant[] = ['tenant', 'no context', 'malformed id', 'injection id'];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function probeIsolation(session: RawSession, options: ProbeOptions = {}): Promise<CheckItem[]> {
  const schemas = options.schemas ?? ['public'];
  const app = options.appRole ?? APP_ROLE;
  const items: CheckItem[] = [];
  const tables = await loadTenantTables(session, schemas);
  if (tables.length === 0) {
    return [
      {
        check: 'live probe',
        object: schemas.join(','),
        ok: false,
        detail: 'No tenant tables (with tenant_id) found to probe.',
      },
    ];
  }
  const tenantsTable = tables
    .flatMap((t) => t.fks)
    .find((fk) => fk.columns.length === 1 && fk.columns[0] === 'tenant_id')?.ref_table;
  if (!tenantsTable) {
    return [{ check: 'live probe', object: 'tenant_id', ok: false, detail: 'tenant_id references no tenants table.' }];
  }
  const globals = new Map<string, string>();
  const globalRow = async (table: string, column: string): Promise<string> => {
    const key = `${table}.${column}`;
    const known = globals.get(key);
    if (known) return known;
    const [existing] = await session.query<{ v: string }>(`SELECT ${ident(column)}::text AS v FROM ${table} LIMIT 1`);
    const value =
      existing?.v ?? (await insertGenerated(session, await loadTable(session, table), new Map(), globalRow, {}));
    globals.set(key, value);
    return value;
  };

  // Rows of referenced global tables (users, permissions…) are found or made as the privileged
  // role now, before any context switches to the application role.
  for (const table of tables) {
    for (const fk of table.fks.filter(
      (f) => f.columns[0] !== 'tenant_id' && !tables.some((t) => t.name === f.ref_table),
    )) {
      for (const column of fk.ref_columns) await globalRow(fk.ref_table, column);
    }
  }
  const sides: Side[] = [];
  for (const label of ['A', 'B'] as const) {
    const tenantId = await insertGenerated(session, await loadTable(session, tenantsTable), new Map(), globalRow, {});
    const side: Side = { label, tenantId, rows: new Map(), counts: new Map() };
    await session.exec('SAVEPOINT tenantdb_probe_setup');
    await setContext(session, tenantId, app);
    for (const table of tables) {
      side.rows.set(table.name, await insertGenerated(session, table, side.rows, globalRow, {}));
    }
    await session.exec('RELEASE SAVEPOINT tenantdb_probe_setup');
    await session.exec('RESET ROLE');
    sides.push(side);
  }
  for (const side of sides) {
    for (const table of tables) {
      const [row] = await session.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table.name} WHERE tenant_id = $1`,
        [side.tenantId],
      );
      side.counts.set(table.name, row?.n ?? 0);
    }
  }

  for (const [attacker, victim] of [
    [sides[0], sides[1]],
    [sides[1], sides[0]],
  ] as [Side, Side][]) {
    for (const table of tables) {
      for (const variant of VARIANTS) {
        const guc =
          variant === 'tenant'
            ? attacker.tenantId
            : variant === 'no context'
              ? ''
              : variant === 'malformed id'
                ? 'not-a-uuid'
                : `${victim.tenantId}' OR '1'='1`;
        const attempt = async (name: string, run: () => Promise<string | undefined>) => {
          await session.exec('SAVEPOINT tenantdb_probe');
          let leak: string | undefined;
          try {
            await setContext(session, guc, app);
            leak = await run();
          } catch {
            leak = undefined; // refused by the database
          }
          await session.exec('ROLLBACK TO SAVEPOINT tenantdb_probe');
          items.push({
            check: `attack: ${name}`,
            object: `${table.name} (${attacker.label}→${victim.label}, ${variant})`,
            ok: leak === undefined,
            detail: leak ?? 'refused',
            attack: true,
            leak: leak !== undefined,
          });
        };
        const victimRow = victim.rows.get(table.name) as string;
        const ownRow = attacker.rows.get(table.name) as string;
        await attempt('select', async () => {
          const [r] = await session.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${table.name} WHERE tenant_id = $1 OR id::text = $2`,
            [victim.tenantId, victimRow],
          );
          return (r?.n ?? 0) > 0 ? `${r?.n} of the other tenant's rows visible` : undefined;
        });
        await attempt('update', async () => {
          const n = await session.command(`UPDATE ${table.name} SET tenant_id = tenant_id WHERE tenant_id = $1`, [
            victim.tenantId,
          ]);
          return n > 0 ? `${n} of the other tenant's rows updated` : undefined;
        });
        await attempt('delete', async () => {
          const n = await session.command(`DELETE FROM ${table.name} WHERE tenant_id = $1`, [victim.tenantId]);
          return n > 0 ? `${n} of the other tenant's rows deleted` : undefined;
        });
        await attempt('insert naming the other tenant', async () => {
          await insertGenerated(session, table, victim.rows, globalRow, { tenant_id: victim.tenantId });
          return 'a row was written into the other tenant';
        });
        if (table.pk) {
          await attempt("upsert ON CONFLICT against the other tenant's key", async () => {
            const n = await insertGenerated(
              session,
              table,
              victim.rows,
              globalRow,
              { tenant_id: victim.tenantId, id: victimRow },
              table.pk as string,
            );
            return n ? "the other tenant's row was overwritten" : undefined;
          });
        }
        for (const fk of table.fks.filter((f) => f.columns.length > 1 && f.columns[0] === 'tenant_id')) {
          const column = fk.columns[1] as string;
          const parent = tables.find((t) => t.name === fk.ref_table);
          const victimParent = parent ? victim.rows.get(parent.name) : undefined;
          if (!victimParent) continue;
          await attempt(`reference the other tenant's row (${column})`, async () => {
            await insertGenerated(session, table, attacker.rows, globalRow, {
              tenant_id: attacker.tenantId,
              [column]: victimParent,
            });
            return `a row now references the other tenant's ${fk.ref_table}`;
          });
        }
        await attempt('change tenant_id', async () => {
          const n = await session.command(`UPDATE ${table.name} SET tenant_id = $1 WHERE id::text = $2`, [
            victim.tenantId,
            ownRow,
          ]);
          return n > 0 ? 'a row was moved into the other tenant' : undefined;
        });
        await attempt('COPY TO', async () => {
          const n = await session.command(`COPY ${table.name} TO STDOUT`);
          const allowed = variant === 'tenant' ? (attacker.counts.get(table.name) ?? 0) : 0;
          return n > allowed ? `COPY returned ${n} rows, ${allowed} belong to this context` : undefined;
        });
      }
    }
  }
  return items;
}

/** Opens a bare context as the contract defines it: the setting and the application role. */
async function setContext(session: RawSession, tenant: string, role: string): Promise<void> {
  await session.query(
    `SELECT set_config('app.current_tenant_id', $1, true), set_config('app.current_user_id', '', true),
            set_config('app.current_member_role', '', true), set_config('role', $2, true)`,
    [tenant, role],
  );
}

async function loadTenantTables(session: RawSession, schemas: string[]): Promise<Table[]> {
  const rows = await session.query<{ name: string }>(
    `SELECT c.oid::regclass::text AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
     ORDER BY 1`,
    [schemas],
  );
  const tables: Table[] = [];
  for (const r of rows) tables.push(await loadTable(session, r.name)); // one connection: sequentially
  // Parents (composite references) before children.
  const ordered: Table[] = [];
  const seen = new Set<string>();
  const visit = (t: Table) => {
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

async function loadTable(session: RawSession, name: string): Promise<Table> {
  const [meta] = await session.query<{ oid: number; pk: string | null }>(
    `SELECT c.oid::int AS oid, (SELECT conname FROM pg_constraint WHERE conrelid = c.oid AND contype = 'p') AS pk
     FROM pg_class c WHERE c.oid = $1::regclass`,
    [name],
  );
  const columns = await session.query<Column>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            a.atthasdef AS hasdefault, (a.attgenerated <> '' OR a.attidentity <> '') AS generated,
            (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = a.atttypid ORDER BY e.enumsortorder LIMIT 1) AS enum_label,
            t.typcategory::text AS category, a.atttypmod AS typmod
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [name],
  );
  const fks = await session.query<ForeignKey>(
    `SELECT array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS columns,
            c.confrelid::regclass::text AS ref_table,
            array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                  JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) AS ref_columns
     FROM pg_constraint c WHERE c.conrelid = $1::regclass AND c.contype = 'f'`,
    [name],
  );
  return { oid: meta?.oid ?? 0, name, pk: meta?.pk ?? null, columns, fks };
}

let sequence = 0;

/**
 * Inserts a generated row (values bound as parameters, cast to the column types) and returns its
 * id (or first column). `fixed` overrides values; with `conflict`, an upsert on that constraint.
 */
async function insertGenerated(
  session: RawSession,
  table: Table,
  parents: ReadonlyMap<string, string>,
  globalRow: (table: string, column: string) => Promise<string>,
  fixed: Record<string, string>,
  conflict?: string,
): Promise<string> {
  const names: string[] = [];
  const values: unknown[] = [];
  const casts: string[] = [];
  const references = new Map<string, ForeignKey>();
  for (const fk of table.fks) for (const column of fk.columns) if (column !== 'tenant_id') references.set(column, fk);
  for (const column of table.columns) {
    if (column.generated) continue;
    let value: string | undefined = fixed[column.name];
    const fk = references.get(column.name);
    if (value === undefined && fk) {
      if (fk.columns[0] === 'tenant_id') value = parents.get(fk.ref_table);
      else value = await globalRow(fk.ref_table, fk.ref_columns[fk.columns.indexOf(column.name)] as string);
    }
    if (value === undefined && column.notnull && !column.hasdefault) value = sampleValue(column);
    if (value === undefined) continue;
    names.push(ident(column.name));
    values.push(value);
    casts.push(`$${values.length}::${column.type}`);
  }
  const returning = table.columns.some((c) => c.name === 'id') ? 'id' : ident(table.columns[0]?.name ?? 'id');
  const upsert = conflict
    ? ` ON CONFLICT ON CONSTRAINT ${ident(conflict)} DO UPDATE SET tenant_id = EXCLUDED.tenant_id`
    : '';
  const [row] = await session.query<{ v: string }>(
    `INSERT INTO ${table.name} (${names.join(', ')}) VALUES (${casts.join(', ')})${upsert} RETURNING ${returning}::text AS v`,
    values,
  );
  return row?.v as string;
}

function sampleValue(column: Column): string {
  sequence++;
  if (column.enum_label !== null) return column.enum_label;
  if (column.category === 'A') return '{}';
  if (column.type.startsWith('vector')) {
    const dims = column.typmod > 0 ? column.typmod : 3;
    return `[${Array.from({ length: dims }, (_, i) => (i === sequence % dims ? 1 : 0)).join(',')}]`;
  }
  switch (column.category) {
    case 'N':
      return '1';
    case 'B':
      return 'true';
    case 'D':
      return column.type === 'date'
        ? new Date(Date.UTC(2001, 0, 1) + sequence * 86_400_000).toISOString().slice(0, 10)
        : new Date().toISOString();
    default:
      if (column.type === 'uuid') return randomUUID();
      if (column.type === 'jsonb' || column.type === 'json') return '{}';
      return `probe-${column.name}-${sequence}-${randomUUID().slice(0, 8)}`;
  }
}
