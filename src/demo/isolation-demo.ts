import { count, sql } from 'drizzle-orm';
import type { Database as AnyDatabase, PipelineContext, RawSession } from '../db/database.ts';
import type * as schema from '../schema/index.ts';

import { TenantDbError, sqlStateOf, translateDatabaseError } from '../errors.ts';
import { conversations, messages } from '../schema/conversations.ts';
import { tenants } from '../contract/tenants.ts';
import { rowsOf, withSystemContext, withTenantContext } from '../tenancy/index.ts';
import { globalTables, tenantTables } from '../contract/registry.ts';
import { quoteIdent } from '../contract/contract-sql.ts';
import { APP_ROLE } from '../contract/roles.ts';
import {
  ATTACK_VARIANTS,
  ATTACKS,
  loadTable,
  runAttack,
  sampleRow,
  type AttackSide,
  type AttackStatement,
  type AttackTarget,
  type AttackVariant,
  type ProbeTable,
} from '../verify/index.ts';
import type { SampleTenant } from './sample-data.ts';

type Database = AnyDatabase<typeof schema>;

export interface VisibilityRow {
  user: string;
  tenant: string;
  role: string;
  tenantsVisible: number;
  conversations: number;
  messages: number;
  foreignRows: number;
}

export interface AttemptRow {
  /** `database`: an attack of verify's catalogue, raw SQL as tenantdb_app; `application`: refused by tenantdb before any SQL is sent. */
  layer: 'database' | 'application';
  attempt: string;
  description: string;
  /** The context the attempt ran in (`Bob's own (Acme)`, `no context`, …). */
  context: string;
  actor: string;
  target: string;
  refused: boolean;
  outcome: string;
}

/** What each sample user sees in their own tenant context (foreignRows must be 0). */
export async function visibility(db: Database, sample: SampleTenant[]): Promise<VisibilityRow[]> {
  const rows: VisibilityRow[] = [];
  for (const tenant of sample) {
    for (const person of tenant.people) {
      rows.push(
        await withTenantContext(db, { tenantId: tenant.id, userId: person.userId }, async (tx) => {
          const [t] = await tx.select({ n: count() }).from(tenants);
          const convs = await tx.select({ tenantId: conversations.tenantId }).from(conversations);
          const msgs = await tx.select({ tenantId: messages.tenantId }).from(messages);
          const foreign = [...convs, ...msgs].filter((r) => r.tenantId !== tenant.id).length;
          return {
            user: person.name,
            tenant: tenant.name,
            role: person.role,
            tenantsVisible: t?.n ?? 0,
            conversations: convs.length,
            messages: msgs.length,
            foreignRows: foreign,
          };
        }),
      );
    }
  }
  return rows;
}

export interface TenantTableCount {
  table: string;
  /** Rows each sample tenant's admin sees in their own context, in the order of the tenants. */
  counts: number[];
  /** Rows of another tenant among them (must be 0). */
  foreignRows: number;
}

export interface GlobalTableCount {
  table: string;
  /** All rows, counted in the system context. */
  total: number;
  /** Rows each sample tenant's admin sees, or undefined when the application role has no access. */
  visible: (number | undefined)[];
}

/** The admin (or owner) of a sample tenant: the member whose context the row counts use. */
export function sampleAdmin(tenant: SampleTenant): SampleTenant['people'][number] {
  const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin') ?? tenant.people[0];
  if (!admin) throw new Error(`sample tenant ${tenant.slug} has no people`);
  return admin;
}

/**
 * Rows of every tenant table (from the registry) as each sample tenant's admin sees them in their
 * own context under RLS, and rows of every global table: all of them (system context) and what
 * each admin may see.
 */
export async function rowsPerTenant(
  db: Database,
  sample: SampleTenant[],
): Promise<{ tenantTables: TenantTableCount[]; globalTables: GlobalTableCount[] }> {
  const tenantNames = tenantTables().map((t) => t.name);
  const globalNames = globalTables().map((t) => t.name);
  const perTenant: {
    counts: { name: string; n: number; foreign_rows: number }[];
    visible: { name: string; n: number }[];
  }[] = [];
  for (const tenant of sample) {
    perTenant.push(
      await withTenantContext(db, { tenantId: tenant.id, userId: sampleAdmin(tenant).userId }, async (tx) => {
        const counts = rowsOf<{ name: string; n: number; foreign_rows: number }>(
          await tx.execute(
            sql.join(
              tenantNames.map(
                (name) =>
                  sql`select ${name} as name, count(*)::int as n, (count(*) filter (where tenant_id <> ${tenant.id}::uuid))::int as foreign_rows from ${sql.identifier(name)}`,
              ),
              sql` union all `,
            ),
          ),
        );
        // Global tables without a grant to the application role would raise: ask first.
        const readable = rowsOf<{ name: string }>(
          await tx.execute(
            sql`select c.relname as name from pg_catalog.pg_class c where c.relnamespace = 'public'::regnamespace and c.relname in (${sql.join(
              globalNames.map((n) => sql`${n}`),
              sql`, `,
            )}) and pg_catalog.has_table_privilege(c.oid, 'SELECT')`,
          ),
        ).map((r) => r.name);
        const visible =
          readable.length === 0
            ? []
            : rowsOf<{ name: string; n: number }>(
                await tx.execute(
                  sql.join(
                    readable.map(
                      (name) => sql`select ${name} as name, count(*)::int as n from ${sql.identifier(name)}`,
                    ),
                    sql` union all `,
                  ),
                ),
              );
        return { counts, visible };
      }),
    );
  }
  const totals = await withSystemContext(
    db,
    async (tx) =>
      rowsOf<{ name: string; n: number }>(
        await tx.execute(
          sql.join(
            globalNames.map((name) => sql`select ${name} as name, count(*)::int as n from ${sql.identifier(name)}`),
            sql` union all `,
          ),
        ),
      ),
    { reason: 'demo: count the rows of the global tables' },
  );
  return {
    tenantTables: tenantNames.map((table) => ({
      table,
      counts: perTenant.map((p) => p.counts.find((c) => c.name === table)?.n ?? 0),
      foreignRows: perTenant.reduce((sum, p) => sum + (p.counts.find((c) => c.name === table)?.foreign_rows ?? 0), 0),
    })),
    globalTables: globalNames.map((table) => ({
      table,
      total: totals.find((t) => t.name === table)?.n ?? 0,
      visible: perTenant.map((p) => p.visible.find((v) => v.name === table)?.n),
    })),
  };
}

type Outcome = { refused: boolean; outcome: string };

function describeError(raw: unknown): string {
  const error = translateDatabaseError(raw);
  if (error instanceof TenantDbError) return `refused: ${error.code}${error.sqlState ? ` (${error.sqlState})` : ''}`;
  const state = sqlStateOf(error);
  return state ? `refused: SQLSTATE ${state}` : `error: ${(error as Error).message}`;
}

async function expectError(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    await fn();
    return { refused: false, outcome: 'LEAK: the statement succeeded' };
  } catch (error) {
    const outcome = describeError(error);
    return { refused: outcome.startsWith('refused'), outcome };
  }
}

/** The tables attacked: each attack on the first of them where it has a statement (the reference attack: messages → conversations). */
const DEMO_TABLES = ['conversations', 'messages'];

/** The contexts of ATTACK_VARIANTS the demo shows, by how a reader knows them; undefined: not shown. */
const DEMO_VARIANTS: Record<AttackVariant['name'], string | undefined> = {
  tenant: "Bob's own (Acme)",
  'no context': 'no context',
  // The injected id shows the same refusal, and is what an attacker would actually try.
  'malformed id': undefined,
  'injection id': 'injected tenant id',
  // The demo opens Bob's own context with open_context already; the pipeline adds nothing to show.
  'one round trip': undefined,
};

class RolledBack extends Error {
  constructor(readonly rows: AttemptRow[]) {
    super('demo: the attacks are always rolled back');
  }
}

/**
 * Cross-tenant attempts by Bob (a member of Acme) against Tech Startup's data. First every attack
 * of verify's catalogue (ATTACKS), as raw SQL through the application role, in Bob's own context,
 * with no context and with an injected tenant id: only RLS and the composite keys stand in the way.
 * They run in one transaction that is always rolled back, each in a savepoint. Then what the
 * application layer refuses (tenantdb's API, not raw SQL). Every one must be refused.
 */
export async function crossTenantAttempts(db: Database, sample: SampleTenant[]): Promise<AttemptRow[]> {
  const acme = sample.find((t) => t.slug === 'acme');
  const victim = sample.find((t) => t.slug === 'techstartup');
  const bob = acme?.people.find((p) => p.name === 'Bob');
  if (!acme || !victim || !bob) throw new Error('sample data is missing Acme, Tech Startup or Bob');
  const actor = 'Bob (Acme)';

  const rows = await db
    .rawTransaction(async (session) => {
      const tables: ProbeTable[] = [];
      for (const name of DEMO_TABLES) tables.push(await loadTable(session, name));
      // Each tenant's first row of each table, read as the privileged role before any context.
      const side = async (label: string, tenantId: string): Promise<AttackSide> => {
        const keys = new Map<string, string>();
        for (const table of tables) {
          const [row] = await session.query<{ v: string }>(
            `SELECT ${quoteIdent(table.key)}::text AS v FROM ${table.name} WHERE tenant_id = $1 ORDER BY 1 LIMIT 1`,
            [tenantId],
          );
          if (!row) throw new Error(`${label} has no row in ${table.name} to attack`);
          keys.set(table.name, row.v);
        }
        return { label, tenantId, rows: keys };
      };
      const attacker = await side(acme.name, acme.id);
      const attacked = await side(victim.name, victim.id);
      const globals = new Map([['users.id', bob.userId]]);

      // What Bob's own context may see of Acme's rows (what COPY may return), counted under RLS.
      const own = new Map<string, number>();
      const ownContext = ATTACK_VARIANTS.find((v) => v.seesOwnRows);
      await session.exec('SAVEPOINT tenantdb_demo');
      if (ownContext) await openContext(session, ownContext, attacker, attacked, bob.userId);
      for (const table of tables) {
        const [row] = await session.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${table.name} WHERE tenant_id = $1`,
          [attacker.tenantId],
        );
        own.set(table.name, row?.n ?? 0);
      }
      await session.exec('ROLLBACK TO SAVEPOINT tenantdb_demo');

      const attempts: AttemptRow[] = [];
      for (const attack of ATTACKS) {
        for (const variant of ATTACK_VARIANTS) {
          const context = DEMO_VARIANTS[variant.name];
          if (context === undefined) continue;
          const found = tables
            .map((table) => {
              const allowedRows = variant.seesOwnRows ? (own.get(table.name) ?? 0) : 0;
              return {
                table,
                statements: attack.statements(attackTarget(table, attacker, attacked, globals, allowedRows)),
              };
            })
            .find((t) => t.statements.length > 0);
          // The demo tries every attack: one with nothing to try on these tables (a composite
          // reference dropped, or a new attack that needs another table) fails it.
          if (!found) {
            attempts.push({
              layer: 'database',
              attempt: attack.name,
              description: attack.description,
              context,
              actor,
              target: `${victim.name} ${DEMO_TABLES.join(', ')}`,
              refused: false,
              outcome: `NOT TRIED: the attack has no statement on ${DEMO_TABLES.join(' or ')}`,
            });
            continue;
          }
          for (const statement of found.statements) {
            await session.exec('SAVEPOINT tenantdb_demo');
            let outcome: Outcome;
            try {
              await openContext(session, variant, attacker, attacked, bob.userId);
              outcome = await attempt(session, statement, acme.name);
            } catch (error) {
              outcome = { refused: true, outcome: describeError(error) };
            }
            await session.exec('ROLLBACK TO SAVEPOINT tenantdb_demo');
            attempts.push({
              layer: 'database',
              attempt: statement.check,
              description: attack.description,
              context,
              actor,
              target: `${victim.name} ${found.table.name}`,
              ...outcome,
            });
          }
        }
      }
      throw new RolledBack(attempts);
    })
    .catch((error: unknown) => {
      if (error instanceof RolledBack) return error.rows;
      throw error;
    });

  const bobCtx = { tenantId: acme.id, userId: bob.userId };
  const application: [string, string, string, () => Promise<Outcome>][] = [
    [
      "open the victim's context",
      'Bob asks tenantdb for a context of Tech Startup, where he is no member.',
      'tenant context',
      () => expectError(() => withTenantContext(db, { tenantId: victim.id, userId: bob.userId }, async () => 0)),
    ],
    [
      'scoped API insert naming the victim',
      "Bob's code inserts a conversation whose tenantId is Tech Startup's through the scoped API.",
      'conversations',
      () =>
        expectError(() =>
          withTenantContext(db, bobCtx, (_tx, scoped) =>
            scoped.tables.conversations.insert({ tenantId: victim.id, title: 'x' }),
          ),
        ),
    ],
    [
      'open a context with an injected tenant id',
      "Bob passes an SQL-injection string naming Tech Startup as the context's tenant id.",
      'tenant context',
      () => expectError(() => withTenantContext(db, { tenantId: `${victim.id}' OR '1'='1` }, async () => 0)),
    ],
  ];
  for (const [attemptName, description, targetName, run] of application) {
    rows.push({
      layer: 'application',
      attempt: attemptName,
      description,
      context: 'tenantdb API',
      actor,
      target: `${victim.name} ${targetName}`,
      ...(await run()),
    });
  }
  return rows;
}

/** `table` as attacked from `attacker`'s side; new rows point at the given side's own rows. */
function attackTarget(
  table: ProbeTable,
  attacker: AttackSide,
  victim: AttackSide,
  globals: ReadonlyMap<string, string>,
  allowedRows: number,
): AttackTarget {
  const tenantReferences = table.fks
    .filter((f) => f.columns.length > 1 && f.columns[0] === 'tenant_id')
    .map((f) => ({ column: f.columns[1] as string, parent: f.ref_table }));
  return {
    table: { name: table.name, key: table.key, pk: table.pk, tenantReferences },
    attacker,
    victim,
    allowedRows,
    newRow: (parents, set) =>
      sampleRow(table, { tenantId: parents.tenantId, parents: parents.rows, globals }, set).values,
  };
}

/**
 * Opens the variant's context as the application role: Bob's own context is opened as tenantdb
 * opens it (his membership and grants); the others set app.current_tenant_id directly, as an
 * attacker with raw SQL would, with no user.
 */
async function openContext(
  session: RawSession,
  variant: AttackVariant,
  attacker: AttackSide,
  victim: AttackSide,
  userId: string,
): Promise<void> {
  const setting = variant.tenantSetting(attacker, victim);
  if (variant.name === 'tenant') {
    await session.query('SELECT tenantdb.open_context($1::uuid, $2::uuid, true)', [setting, userId]);
    return;
  }
  await session.query(
    `SELECT set_config('app.current_tenant_id', $1, true), set_config('app.current_user_id', '', true),
            set_config('app.current_member_role', '', true), set_config('role', $2, true)`,
    [setting, APP_ROLE],
  );
}

/** Runs one attack statement; the outcome says how it was refused (the error's code, or the rows it got). */
async function attempt(session: RawSession, statement: AttackStatement, own: string): Promise<Outcome> {
  let error: unknown;
  let counted = 0;
  const recording: RawSession = {
    query: <Row>(text: string, params?: unknown[]) => session.query<Row>(text, params).catch(keep),
    exec: (text) => session.exec(text).catch(keep),
    command: (text, params) => session.command(text, params).catch(keep),
    pipelineInContext: <Row>(context: PipelineContext, text: string, params?: unknown[]) =>
      session.pipelineInContext<Row>(context, text, params).catch(keep),
  };
  function keep(e: unknown): never {
    error = e;
    throw e;
  }
  const outcome = await runAttack(recording, {
    ...statement,
    leak: (n) => {
      counted = n;
      return statement.leak(n);
    },
  });
  if (outcome.leak !== undefined) return { refused: false, outcome: `LEAK: ${outcome.leak}` };
  if (outcome.refusal !== undefined) {
    return { refused: true, outcome: error === undefined ? `refused: ${outcome.refusal}` : describeError(error) };
  }
  if (counted > 0) return { refused: true, outcome: `refused: only ${own}'s own ${counted} rows` };
  return { refused: true, outcome: `refused: 0 rows ${statement.counts === 'rows' ? 'visible' : 'affected'}` };
}
