/**
 * The attack catalogue: every cross-tenant attempt `tenantdb verify` makes, in one list. Each
 * attack builds its SQL and bound parameters for one tenant table and two tenants (the attacker
 * and the victim, each with one row per tenant table), and says what counts as a leak. Each is
 * tried in each of ATTACK_VARIANTS: in the attacker's own context, with no context, with a
 * malformed id and with an SQL-injection string as the id.
 *
 * The live probe (`./probe.ts`) iterates this list; the demo and the isolation tests derive their
 * attempts from it too, so an attack added here is tried everywhere. Pure: no database access
 * except in `runAttack`, which runs one statement on a session already in the attack's context.
 */
import { quoteIdent } from '../contract/contract-sql.ts';
import type { PipelineContext, RawSession } from '../db/database.ts';
import { sqlStateOf } from '../errors.ts';
import { insertStatement, type ColumnValue } from './sample-row.ts';

/** The table attacked. */
export interface AttackTable {
  /** Usable in SQL as is (`regclass` text: quoted and schema-qualified where needed). */
  name: string;
  /** The column a row is known by (`id`). */
  key: string;
  /** The primary key constraint, or null (then there is no upsert attack). */
  pk: string | null;
  /** Composite references (tenant_id, column) → parent (tenant_id, …), one reference attack each. */
  tenantReferences: { column: string; parent: string }[];
}

/** One of the two tenants: its id and the key of its row in each tenant table (by table name). */
export interface AttackSide {
  label: string;
  tenantId: string;
  rows: ReadonlyMap<string, string>;
}

export interface AttackTarget {
  table: AttackTable;
  attacker: AttackSide;
  victim: AttackSide;
  /** Rows of the table the attack's context may legitimately see: the attacker's own in its own context, else 0. */
  allowedRows: number;
  /** The columns of a new row of the table whose references point at `parents`' rows; `set` fixes columns. */
  newRow(parents: AttackSide, set: Record<string, string>): ColumnValue[];
}

/** One statement of an attack, and how to tell whether it got through. */
export interface AttackStatement {
  /** The check in reports (`attack: <check>`). */
  check: string;
  sql: string;
  params: unknown[];
  /** What is counted: the rows a query returns, or the rows a command affects (or COPY copies). */
  counts: 'rows' | 'affected';
  /** What leaked when the statement ran and counted `n`; undefined when isolation held. */
  leak(n: number): string | undefined;
}

export interface Attack {
  /** Stable: report items carry `attack.<id>`. */
  id: string;
  /** The check's title; a statement may add what it aims at (the reference attack names the column). */
  name: string;
  description: string;
  /** The statements of this attack on `target`: none when it does not apply to the table. */
  statements(target: AttackTarget): AttackStatement[];
}

/** The context an attack runs under, and how it reaches the database. */
export interface AttackVariant {
  name: 'tenant' | 'no context' | 'malformed id' | 'injection id' | 'one round trip';
  description: string;
  /** The value of app.current_tenant_id. */
  tenantSetting(attacker: AttackSide, victim: AttackSide): string;
  /** Whether the context may see the attacker's own rows (what COPY may return). */
  seesOwnRows: boolean;
  /**
   * `session`: the setting is made on the session, then the statement runs on its own.
   * `pipeline`: `tenantdb.open_context` for the setting's tenant and the statement travel in one
   * pipeline, as the tenant client sends them (RawSession.pipelineInContext).
   */
  path: 'session' | 'pipeline';
}

export const ATTACK_VARIANTS: readonly AttackVariant[] = [
  {
    name: 'tenant',
    description: "in the attacker's own tenant context",
    tenantSetting: (attacker) => attacker.tenantId,
    seesOwnRows: true,
    path: 'session',
  },
  {
    name: 'no context',
    description: 'with no tenant context',
    tenantSetting: () => '',
    seesOwnRows: false,
    path: 'session',
  },
  {
    name: 'malformed id',
    description: 'with a tenant id that is not a UUID',
    tenantSetting: () => 'not-a-uuid',
    seesOwnRows: false,
    path: 'session',
  },
  {
    name: 'injection id',
    description: 'with an SQL-injection string naming the victim as the tenant id',
    tenantSetting: (_attacker, victim) => `${victim.tenantId}' OR '1'='1`,
    seesOwnRows: false,
    path: 'session',
  },
  {
    name: 'one round trip',
    description:
      "in the attacker's own context opened by tenantdb.open_context in the statement's pipeline, as the tenant client sends it",
    tenantSetting: (attacker) => attacker.tenantId,
    seesOwnRows: true,
    path: 'pipeline',
  },
];

const keyText = (t: AttackTarget) => `${quoteIdent(t.table.key)}::text`;
const victimRow = (t: AttackTarget) => t.victim.rows.get(t.table.name) ?? '';
const ownRow = (t: AttackTarget) => t.attacker.rows.get(t.table.name) ?? '';

function insertAttack(
  check: string,
  values: ColumnValue[],
  t: AttackTarget,
  leak: string,
  conflict?: string,
): AttackStatement {
  const { sql, params } = insertStatement(t.table, values, { conflict });
  return { check, sql, params, counts: 'affected', leak: (n) => (n > 0 ? leak : undefined) };
}

/** Every attack, in the order the probe tries (and reports) them. */
export const ATTACKS = [
  {
    id: 'select',
    name: 'select',
    description: "Read the other tenant's rows by tenant_id, or its row by key.",
    statements: (t) => [
      {
        check: 'select',
        sql: `SELECT ${keyText(t)} FROM ${t.table.name} WHERE tenant_id = $1 OR ${keyText(t)} = $2`,
        params: [t.victim.tenantId, victimRow(t)],
        counts: 'rows',
        leak: (n) => (n > 0 ? `${n} of the other tenant's rows visible` : undefined),
      },
    ],
  },
  {
    id: 'update',
    name: 'update',
    description: "Update the other tenant's rows.",
    statements: (t) => [
      {
        check: 'update',
        sql: `UPDATE ${t.table.name} SET tenant_id = tenant_id WHERE tenant_id = $1`,
        params: [t.victim.tenantId],
        counts: 'affected',
        leak: (n) => (n > 0 ? `${n} of the other tenant's rows updated` : undefined),
      },
    ],
  },
  {
    id: 'delete',
    name: 'delete',
    description: "Delete the other tenant's rows.",
    statements: (t) => [
      {
        check: 'delete',
        sql: `DELETE FROM ${t.table.name} WHERE tenant_id = $1`,
        params: [t.victim.tenantId],
        counts: 'affected',
        leak: (n) => (n > 0 ? `${n} of the other tenant's rows deleted` : undefined),
      },
    ],
  },
  {
    id: 'insert-other-tenant',
    name: 'insert naming the other tenant',
    description: "Write a row whose tenant_id is the other tenant's.",
    statements: (t) => [
      insertAttack(
        'insert naming the other tenant',
        t.newRow(t.victim, { tenant_id: t.victim.tenantId }),
        t,
        'a row was written into the other tenant',
      ),
    ],
  },
  {
    id: 'upsert-other-key',
    name: "upsert ON CONFLICT against the other tenant's key",
    description: "Insert the other tenant's key with ON CONFLICT DO UPDATE, to overwrite its row.",
    statements: (t) =>
      t.table.pk === null
        ? []
        : [
            insertAttack(
              "upsert ON CONFLICT against the other tenant's key",
              t.newRow(t.victim, { tenant_id: t.victim.tenantId, [t.table.key]: victimRow(t) }),
              t,
              "the other tenant's row was overwritten",
              t.table.pk,
            ),
          ],
  },
  {
    id: 'reference-other-row',
    name: "reference the other tenant's row",
    description: "Write an own row that references the other tenant's row, through each composite foreign key.",
    statements: (t) =>
      t.table.tenantReferences.flatMap(({ column, parent }) => {
        const target = t.victim.rows.get(parent);
        if (target === undefined) return [];
        return [
          insertAttack(
            `reference the other tenant's row (${column})`,
            t.newRow(t.attacker, { tenant_id: t.attacker.tenantId, [column]: target }),
            t,
            `a row now references the other tenant's ${parent}`,
          ),
        ];
      }),
  },
  {
    id: 'change-tenant-id',
    name: 'change tenant_id',
    description: 'Move an own row into the other tenant by updating its tenant_id.',
    statements: (t) => [
      {
        check: 'change tenant_id',
        sql: `UPDATE ${t.table.name} SET tenant_id = $1 WHERE ${keyText(t)} = $2`,
        params: [t.victim.tenantId, ownRow(t)],
        counts: 'affected',
        leak: (n) => (n > 0 ? 'a row was moved into the other tenant' : undefined),
      },
    ],
  },
  {
    id: 'copy-to',
    name: 'COPY TO',
    description: 'Copy the whole table out with COPY … TO STDOUT.',
    statements: (t) => [
      {
        check: 'COPY TO',
        sql: `COPY ${t.table.name} TO STDOUT`,
        params: [],
        counts: 'affected',
        leak: (n) =>
          n > t.allowedRows ? `COPY returned ${n} rows, ${t.allowedRows} belong to this context` : undefined,
      },
    ],
  },
] as const satisfies readonly Attack[];

export type AttackId = (typeof ATTACKS)[number]['id'];

/** How one attack statement ended: `leak` says what got through; `refusal`, how the database stopped it. */
export interface AttackOutcome {
  leak: string | undefined;
  /** When the statement failed: its SQLSTATE (`SQLSTATE 42501`), or the error's message. */
  refusal?: string;
}

/** An error as a refusal: the attempt was stopped by the database (or before it reached it). */
export function refusalOf(error: unknown): AttackOutcome {
  const state = sqlStateOf(error);
  return {
    leak: undefined,
    refusal: state ? `SQLSTATE ${state}` : error instanceof Error ? error.message : String(error),
  };
}

/**
 * Runs one attack statement on a session already in the attack's context, or, given `pipeline`,
 * with that context opened in the statement's own pipeline (the caller wraps it in a savepoint
 * and rolls it back). An error is a refusal: the database stopped the attempt.
 */
export async function runAttack(
  session: RawSession,
  statement: AttackStatement,
  pipeline?: PipelineContext,
): Promise<AttackOutcome> {
  try {
    let n: number;
    if (pipeline !== undefined) {
      const result = await session.pipelineInContext(pipeline, statement.sql, statement.params);
      n = statement.counts === 'rows' ? result.rows.length : result.affected;
    } else {
      n =
        statement.counts === 'rows'
          ? (await session.query(statement.sql, statement.params)).length
          : await session.command(statement.sql, statement.params);
    }
    return { leak: statement.leak(n) };
  } catch (error) {
    return refusalOf(error);
  }
}
