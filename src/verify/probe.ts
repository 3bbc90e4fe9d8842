import type { RawSession } from '../db/database.ts';
import { quoteIdent, quoteLiteral } from '../contract/contract-sql.ts';
import { APP_ROLE } from '../contract/roles.ts';
import { driverErrorOf, sqlStateOf } from '../errors.ts';
import {
  ATTACK_VARIANTS,
  ATTACKS,
  refusalOf,
  runAttack,
  type AttackOutcome,
  type AttackSide,
  type AttackTarget,
} from './attacks.ts';
import type { CheckItem } from './check.ts';
import { loadTable, loadTenantTables, type ProbeTable } from './probe-tables.ts';
import { insertStatement, sampleRow, type SampleRow, type SampleRowSources } from './sample-row.ts';

/**
 * Live probing: inside the caller's transaction (which the caller always rolls back), create two
 * throwaway tenants, write a row into every tenant table for each as the application role, then
 * try every attack of ATTACKS on each tenant's rows from the other's side, in each of
 * ATTACK_VARIANTS (the last of which sends tenantdb.open_context and the attack in one pipeline,
 * the tenant client's path). Everything is derived from the catalogue, so it works on any schema that
 * follows the contract (tenant_id + app.current_tenant_id + the application role) — and on one
 * that does not: a table the probe cannot write a sample row into (no grant, a required column of
 * a type it has no value for, a reference it cannot satisfy) is a failed item naming the table,
 * the reason and the fix, and the probe goes on with the others (each write in its own savepoint).
 */
export interface ProbeOptions {
  schemas?: string[];
  appRole?: string;
}

/** The id of the item a table gets when the probe cannot write its sample row (and so cannot attack it). */
export const SAMPLE_ROW_ID = 'probe.sample-row';

interface Side extends AttackSide {
  label: 'A' | 'B';
  rows: Map<string, string>;
  /** Rows of each table this tenant holds after setup (audit rows included). */
  counts: Map<string, number>;
}

/**
 * What the probe writes as the privileged role before it opens any context: rows of the global
 * tables the tenant tables reference (when they have none) and its two throwaway tenants.
 *
 * On Citus it is written and committed before the probe's transaction ({@link prepareProbeFixture})
 * and removed after it ({@link removeProbeFixture}): Citus reaches the workers on one connection
 * per user, so rows the privileged role wrote in the probe's transaction are invisible to the
 * application role's connections there (its sample rows' foreign keys to them would fail), and
 * the privileged role may not read placements the application role changed in it. Elsewhere it is
 * written inside the probe's transaction, and rolled back with everything else.
 */
export interface ProbeFixture {
  /** `table.column` → a value of a global row the sample rows may reference. */
  globals: Map<string, string>;
  /** The tenants table, its key column, and the two tenants' keys (A, B). */
  tenantsTable: string;
  tenantKey: string;
  tenants: string[];
  /** Global rows the fixture wrote (a committed fixture removes them again), in write order. */
  written: { table: string; column: string; value: string }[];
  /** Tenant tables whose global references could not be met, with why (failed items). */
  unmet: { table: string; detail: string }[];
  /** Why no probe could run (no tenant tables, no tenants table, no tenant created). */
  stopped?: CheckItem;
}

function stoppedItem(object: string, detail: string): CheckItem {
  return { check: 'live probe', object, ok: false, detail };
}

/** Writes the probe's fixture in `session` (the caller commits it, or not). */
export async function prepareProbeFixture(session: RawSession, options: ProbeOptions = {}): Promise<ProbeFixture> {
  const schemas = options.schemas ?? ['public'];
  const fixture: ProbeFixture = {
    globals: new Map(),
    tenantsTable: '',
    tenantKey: '',
    tenants: [],
    written: [],
    unmet: [],
  };
  const tables = await loadTenantTables(session, schemas);
  if (tables.length === 0) {
    return { ...fixture, stopped: stoppedItem(schemas.join(','), 'No tenant tables (with tenant_id) found to probe.') };
  }
  const tenantsTable = tables
    .flatMap((t) => t.fks)
    .find((fk) => fk.columns.length === 1 && fk.columns[0] === 'tenant_id')?.ref_table;
  if (!tenantsTable) {
    return { ...fixture, stopped: stoppedItem('tenant_id', 'tenant_id references no tenants table.') };
  }
  const isTenantTable = (name: string) => tables.some((t) => t.name === name);
  // Rows of referenced global tables (users, permissions…) are found or made as the privileged
  // role now, before any context switches to the application role.
  for (const table of tables) {
    for (const fk of table.fks.filter((f) => f.columns[0] !== 'tenant_id' && !isTenantTable(f.ref_table))) {
      for (const column of fk.ref_columns) {
        const problem = await inSavepoint(session, () => globalRow(session, fk.ref_table, column, fixture));
        if (problem !== undefined) {
          fixture.unmet.push({
            table: table.name,
            detail: `It references ${fk.ref_table} (${fk.name}), which has no row and where the probe cannot write one (${problem.message}). Add a row to ${fk.ref_table}, or let the column be null.`,
          });
        }
      }
    }
  }
  const tenants = await loadTable(session, tenantsTable);
  fixture.tenantsTable = tenants.name;
  fixture.tenantKey = tenants.key;
  for (const _side of ['A', 'B']) {
    let tenantId: string | undefined;
    const problem = await inSavepoint(session, async () => {
      tenantId = await writeRow(session, tenants, { parents: new Map(), globals: fixture.globals });
    });
    if (problem !== undefined || tenantId === undefined) {
      return {
        ...fixture,
        stopped: stoppedItem(
          tenantsTable,
          `The probe could not create a tenant in ${tenantsTable} (${problem?.message ?? 'no key returned'}); no attack was tried.`,
        ),
      };
    }
    fixture.tenants.push(tenantId);
  }
  return fixture;
}

/** Deletes a committed fixture's tenants (their rows cascade) and the global rows it wrote. */
export async function removeProbeFixture(session: RawSession, fixture: ProbeFixture): Promise<void> {
  if (fixture.tenants.length > 0) {
    await session.query(
      `DELETE FROM ${fixture.tenantsTable} WHERE ${quoteIdent(fixture.tenantKey)}::text = ANY($1::text[])`,
      [fixture.tenants],
    );
  }
  for (const row of [...fixture.written].reverse()) {
    await session.query(`DELETE FROM ${row.table} WHERE ${quoteIdent(row.column)}::text = $1`, [row.value]);
  }
}

export async function probeIsolation(
  session: RawSession,
  options: ProbeOptions & {
    /** A fixture written and committed beforehand (Citus): the probe then runs as the application role throughout. */
    fixture?: ProbeFixture;
  } = {},
): Promise<CheckItem[]> {
  const schemas = options.schemas ?? ['public'];
  const app = options.appRole ?? APP_ROLE;
  const committed = options.fixture !== undefined;
  const fixture = options.fixture ?? (await prepareProbeFixture(session, options));
  if (fixture.stopped) return [fixture.stopped];
  const tables = await loadTenantTables(session, schemas);
  const { globals } = fixture;
  /** Tables the probe could not write into, with the failed item that says why. */
  const failed = new Map<string, CheckItem>();
  const fail = (table: ProbeTable, detail: string) =>
    failed.set(table.name, {
      id: SAMPLE_ROW_ID,
      check: 'probe writes a sample row',
      object: table.qualified,
      ok: false,
      detail: `${detail} Its attacks were not tried.`,
    });
  for (const unmet of fixture.unmet) {
    const table = tables.find((t) => t.name === unmet.table);
    if (table) fail(table, unmet.detail);
  }

  const sides: Side[] = [];
  for (const [i, label] of (['A', 'B'] as const).entries()) {
    const tenantId = fixture.tenants[i] as string;
    const side: Side = { label, tenantId, rows: new Map(), counts: new Map() };
    await setContext(session, tenantId, app);
    // Tables the application role may only read by design (a total kept by a trigger, say: a
    // SELECT grant, and neither an INSERT grant nor a permissive policy that would let it insert)
    // get no sample row: they are attacked on a row of the side's tenant that writing the others
    // produced. A table missing its grants altogether is written as any other, and fails.
    const readOnly: ProbeTable[] = [];
    for (const table of tables) {
      if (failed.has(table.name)) continue;
      const [grant] = await session.query<{ read_only: boolean }>(
        `SELECT has_table_privilege($1, $2, 'SELECT') AND NOT has_table_privilege($1, $2, 'INSERT')
            AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = $2::regclass AND p.polpermissive
                            AND p.polcmd IN ('a', '*')) AS read_only`,
        [app, table.name],
      );
      if (grant?.read_only === true) {
        readOnly.push(table);
        continue;
      }
      const row = sampleRow(table, { tenantId, parents: side.rows, globals });
      const problem = await inSavepoint(session, async () => {
        side.rows.set(table.name, await insertRow(session, table, row));
      });
      if (problem !== undefined) fail(table, whyRefused(table, row, problem, app, failed));
    }
    for (const table of readOnly) {
      const [existing] = await session.query<{ v: string }>(
        `SELECT ${quoteIdent(table.key)}::text AS v FROM ${table.name} WHERE tenant_id = $1 ORDER BY 1 LIMIT 1`,
        [tenantId],
      );
      if (existing) side.rows.set(table.name, existing.v);
      else {
        fail(
          table,
          `${app} may only read it (a SELECT grant, no INSERT grant or policy), and writing the other tables left no row of the probe's tenant in it to attack.`,
        );
      }
    }
    await session.exec('RESET ROLE');
    sides.push(side);
  }
  const attacked = tables.filter((t) => !failed.has(t.name));
  for (const side of sides) {
    // With a committed fixture (Citus) the rows are counted as the application role in the
    // side's own context: the privileged role may not read placements it changed.
    if (committed) await setContext(session, side.tenantId, app);
    for (const table of attacked) {
      const [row] = await session.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table.name} WHERE tenant_id = $1`,
        [side.tenantId],
      );
      side.counts.set(table.name, row?.n ?? 0);
    }
    if (committed) await session.exec('RESET ROLE');
  }

  // The one-round-trip variant opens the context with tenantdb.open_context, as the tenant
  // client does; a schema without it (the bare contract) is attacked through the session only.
  const [opener] = await session.query<{ found: boolean }>(
    `SELECT to_regprocedure('tenantdb.open_context(uuid,uuid,boolean)') IS NOT NULL AS found`,
  );
  const pipelined = opener?.found === true;
  const items: CheckItem[] = [...failed.values()];
  for (const [attacker, victim] of [
    [sides[0], sides[1]],
    [sides[1], sides[0]],
  ] as [Side, Side][]) {
    for (const table of attacked) {
      const tenantReferences = table.fks
        .filter((f) => f.columns.length > 1 && f.columns[0] === 'tenant_id')
        .map((f) => ({ column: f.columns[1] as string, parent: f.ref_table }));
      for (const variant of ATTACK_VARIANTS) {
        const target: AttackTarget = {
          table: { name: table.name, key: table.key, pk: table.pk, tenantReferences },
          attacker,
          victim,
          allowedRows: variant.seesOwnRows ? (attacker.counts.get(table.name) ?? 0) : 0,
          newRow: (parents, set) =>
            sampleRow(table, { tenantId: parents.tenantId, parents: parents.rows, globals }, set).values,
        };
        const setting = variant.tenantSetting(attacker, victim);
        if (variant.path === 'pipeline' && !pipelined) continue;
        for (const attack of ATTACKS) {
          for (const statement of attack.statements(target)) {
            await session.exec('SAVEPOINT tenantdb_probe');
            let outcome: AttackOutcome;
            try {
              if (variant.path === 'pipeline') {
                // The sample rows were written with a context set on the transaction: clear it
                // (inside the savepoint), so open_context opens this one as on a fresh request.
                await session.exec(`SET LOCAL app.current_tenant_id = ''`);
                outcome = await runAttack(session, statement, { tenantId: setting, userId: null });
              } else {
                await setContext(session, setting, app);
                outcome = await runAttack(session, statement);
              }
            } catch (error) {
              outcome = refusalOf(error);
            }
            await session.exec('ROLLBACK TO SAVEPOINT tenantdb_probe');
            items.push({
              id: `attack.${attack.id}`,
              check: `attack: ${statement.check}`,
              object: `${table.name} (${attacker.label}→${victim.label}, ${variant.name})`,
              ok: outcome.leak === undefined,
              detail: outcome.leak ?? (outcome.refusal ? `refused (${outcome.refusal})` : 'held'),
              attack: true,
              leak: outcome.leak !== undefined,
            });
          }
        }
      }
    }
  }
  return items;
}

/** Runs `fn` in a savepoint: on an error, rolls back to it and returns the error. */
async function inSavepoint(session: RawSession, fn: () => Promise<unknown>): Promise<Error | undefined> {
  await session.exec('SAVEPOINT tenantdb_probe_write');
  try {
    await fn();
    await session.exec('RELEASE SAVEPOINT tenantdb_probe_write');
    return undefined;
  } catch (error) {
    await session.exec('ROLLBACK TO SAVEPOINT tenantdb_probe_write');
    return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * Opens a bare context as the contract defines it: the setting and the application role. The
 * settings by stand-alone SET LOCAL, the one form Citus forwards to its workers (set_config()
 * stays on the coordinator), with citus.propagate_set_commands = 'local' first where Citus is
 * loaded (a connection opened before `tenantdb distribute` set it on the database lacks it). The
 * tenant id is a uuid the probe's own insert returned, quoted as a literal (SET takes no
 * parameters). The role switch stays local, as in open_context.
 */
async function setContext(session: RawSession, tenant: string, role: string): Promise<void> {
  const [citus] = await session.query<{ propagate: string | null }>(
    `SELECT current_setting('citus.propagate_set_commands', true) AS propagate`,
  );
  if (citus?.propagate != null && citus.propagate !== 'local') {
    await session.exec(`SET LOCAL citus.propagate_set_commands = 'local'`);
  }
  await session.exec(
    `SET LOCAL app.current_tenant_id = ${quoteLiteral(tenant)}; SET LOCAL app.current_user_id = ''; SET LOCAL app.current_member_role = ''`,
  );
  await session.query(`SELECT set_config('role', $1, true)`, [role]);
}

/** Inserts `row` and returns its key as text. */
async function insertRow(session: RawSession, table: ProbeTable, row: SampleRow): Promise<string> {
  const { sql, params } = insertStatement(table, row.values, { returning: table.key });
  const [inserted] = await session.query<{ v: string }>(sql, params);
  return inserted?.v as string;
}

async function writeRow(session: RawSession, table: ProbeTable, sources: SampleRowSources): Promise<string> {
  return insertRow(session, table, sampleRow(table, sources));
}

/** An existing value of `table.column` (a referenced global table), or the one of a row the probe writes. */
async function globalRow(session: RawSession, table: string, column: string, fixture: ProbeFixture): Promise<void> {
  const { globals } = fixture;
  const key = `${table}.${column}`;
  if (globals.has(key)) return;
  const [existing] = await session.query<{ v: string }>(
    `SELECT ${quoteIdent(column)}::text AS v FROM ${table} WHERE ${quoteIdent(column)} IS NOT NULL LIMIT 1`,
  );
  let value = existing?.v;
  if (value === undefined) {
    const loaded = await loadTable(session, table);
    const row = sampleRow(loaded, { parents: new Map(), globals });
    const { sql, params } = insertStatement(loaded, row.values, { returning: column });
    value = (await session.query<{ v: string }>(sql, params))[0]?.v;
    if (value !== undefined) fixture.written.push({ table, column, value });
  }
  if (value !== undefined) globals.set(key, value);
}

/** Why the database refused `table`'s sample row, and what to do about it. */
function whyRefused(
  table: ProbeTable,
  row: SampleRow,
  error: Error,
  app: string,
  failed: ReadonlyMap<string, CheckItem>,
): string {
  const state = sqlStateOf(error);
  const constraint = driverErrorOf(error)?.constraint;
  const seen = `The probe could not write a sample row as ${app} in a tenant context: ${error.message}${state ? ` (SQLSTATE ${state})` : ''}.`;
  const contract = 'or declare the table with tenantTable() and migrate (the contract does it)';
  const failedParents = [...new Set(row.unresolved.map((u) => u.table))].filter((t) => failed.has(t));
  if (failedParents.length > 0) {
    return `${seen} Its parent ${failedParents.join(', ')} has no sample row (see that table's failure): fix that first.`;
  }
  if (state === '42501' && /row-level security/i.test(error.message)) {
    return `${seen} Its policies refuse a tenant's own row: let ${app} write rows whose tenant_id is the context's (a RESTRICTIVE tenant policy and permissive write policies), ${contract}.`;
  }
  if (state === '42501') {
    return `${seen} GRANT SELECT, INSERT, UPDATE, DELETE ON ${table.qualified} TO ${app}, ${contract}.`;
  }
  if (state === '23503') {
    const unresolved = row.unresolved.map((u) => `${u.constraint} → ${u.table}`).join(', ');
    return `${seen} The probe cannot satisfy ${typeof constraint === 'string' ? `the foreign key ${constraint}` : 'a foreign key'}${unresolved ? ` (no row to point at: ${unresolved})` : ''}: a reference to a tenant table must be composite, (tenant_id, x) → (tenant_id, id), to a table the probe also writes; a reference to a global table gets one of its rows.`;
  }
  if (row.guessed.length > 0 && (state?.startsWith('22') || state === '42804' || state === '42846')) {
    const them = row.guessed.length > 1 ? 'them' : 'it';
    const columns = row.guessed.map((c) => `${c.name} (${c.type})`).join(', ');
    return `${seen} The probe has no sample value for the required column${row.guessed.length > 1 ? 's' : ''} ${columns}: give ${them} a DEFAULT, or make ${them} nullable.`;
  }
  if (state === '23505' || state === '23514' || state === '23502' || state?.startsWith('22')) {
    return `${seen} The probe fills each required column that has no default with a sample value of its type: give the columns it cannot guess a DEFAULT.`;
  }
  return `${seen} Make the table writable by ${app} in its own tenant context, ${contract}.`;
}
