import { count, eq, sql } from 'drizzle-orm';
import type { Database as AnyDatabase, OrmTransaction } from '../db/database.ts';
import type * as schema from '../schema/index.ts';

import { TenantDbError, sqlStateOf, translateDatabaseError } from '../errors.ts';
import { conversations, messages } from '../schema/conversations.ts';
import { tenants } from '../contract/tenants.ts';
import { rowsOf, withSystemContext, withTenantContext } from '../tenancy/index.ts';
import { globalTables, tenantTables } from '../contract/registry.ts';
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
  attempt: string;
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

/**
 * Cross-tenant attempts by Bob (a member of Acme) against Tech Startup's data, through raw SQL
 * in his own tenant context (so only RLS and the composite keys stand in the way), plus the
 * application-layer refusals. Every one must be refused.
 */
export async function crossTenantAttempts(db: Database, sample: SampleTenant[]): Promise<AttemptRow[]> {
  const acme = sample.find((t) => t.slug === 'acme');
  const victim = sample.find((t) => t.slug === 'techstartup');
  const bob = acme?.people.find((p) => p.name === 'Bob');
  if (!acme || !victim || !bob) throw new Error('sample data is missing Acme, Tech Startup or Bob');
  const bobCtx = { tenantId: acme.id, userId: bob.userId };

  // Ground truth, read in the system context (never by the attacker).
  const truth = () =>
    withSystemContext(
      db,
      async (tx) => {
        const [conv] = await tx.select().from(conversations).where(eq(conversations.tenantId, victim.id)).limit(1);
        const [msgs] = await tx.select({ n: count() }).from(messages).where(eq(messages.tenantId, victim.id));
        return { conv, messageCount: msgs?.n ?? 0 };
      },
      { reason: 'demo: read the victim tenant to check the attempts changed nothing' },
    );
  const before = await truth();
  if (!before.conv) throw new Error('Tech Startup has no conversation to attack');
  const target = before.conv;

  const attempts: [string, string, () => Promise<Outcome>][] = [
    [
      'read a row by id',
      'conversations',
      async () => {
        const rows = await withTenantContext(db, bobCtx, (tx) =>
          tx.execute(sql`select * from conversations where id = ${target.id}`),
        );
        const n = rowCount(rows);
        return { refused: n === 0, outcome: n === 0 ? 'refused: 0 rows visible' : `LEAK: ${n} rows` };
      },
    ],
    [
      'read with WHERE tenant_id = victim',
      'messages',
      async () => {
        const rows = await withTenantContext(db, bobCtx, (tx) =>
          tx.execute(sql`select * from messages where tenant_id = ${victim.id}`),
        );
        const n = rowCount(rows);
        return { refused: n === 0, outcome: n === 0 ? 'refused: 0 rows visible' : `LEAK: ${n} rows` };
      },
    ],
    [
      'update a row by id',
      'conversations',
      async () => {
        await withTenantContext(db, bobCtx, (tx) =>
          tx.execute(sql`update conversations set title = 'pwned' where id = ${target.id}`),
        );
        const after = await truth();
        const unchanged = after.conv?.title === target.title;
        return { refused: unchanged, outcome: unchanged ? 'refused: 0 rows updated' : 'LEAK: title changed' };
      },
    ],
    [
      'delete rows',
      'messages',
      async () => {
        await withTenantContext(db, bobCtx, (tx) =>
          tx.execute(sql`delete from messages where conversation_id = ${target.id} or tenant_id = ${victim.id}`),
        );
        const after = await truth();
        const unchanged = after.messageCount === before.messageCount;
        return { refused: unchanged, outcome: unchanged ? 'refused: 0 rows deleted' : 'LEAK: rows deleted' };
      },
    ],
    [
      'insert naming the victim tenant',
      'conversations',
      () =>
        expectError(() =>
          withTenantContext(db, bobCtx, (tx) =>
            tx.execute(sql`insert into conversations (tenant_id, title) values (${victim.id}, 'planted')`),
          ),
        ),
    ],
    [
      "reference the victim's row",
      'messages → conversations',
      () =>
        expectError(() =>
          withTenantContext(db, bobCtx, (tx) =>
            tx.execute(sql`insert into messages (conversation_id, role, content) values (${target.id}, 'user', 'hi')`),
          ),
        ),
    ],
    [
      'move own row to the victim (tenant_id change)',
      'conversations',
      () =>
        expectError(() =>
          withTenantContext(db, bobCtx, (tx) => tx.execute(sql`update conversations set tenant_id = ${victim.id}`)),
        ),
    ],
    [
      "open the victim's context",
      'tenant context',
      () => expectError(() => withTenantContext(db, { tenantId: victim.id, userId: bob.userId }, async () => 0)),
    ],
    [
      'scoped API insert naming the victim',
      'conversations',
      () =>
        expectError(() =>
          withTenantContext(db, bobCtx, (_tx, scoped) =>
            scoped.tables.conversations.insert({ tenantId: victim.id, title: 'x' }),
          ),
        ),
    ],
    [
      'malformed / injected tenant id',
      'tenant context',
      () => expectError(() => withTenantContext(db, { tenantId: `${victim.id}' OR '1'='1` }, async () => 0)),
    ],
    [
      'no context: read',
      'messages',
      async () => {
        const n = await noContext(db, async (tx) => rowCount(await tx.execute(sql`select * from messages`)));
        return { refused: n === 0, outcome: n === 0 ? 'refused: 0 rows visible' : `LEAK: ${n} rows` };
      },
    ],
    [
      'no context: insert',
      'conversations',
      () =>
        expectError(() =>
          noContext(db, (tx) =>
            tx.execute(sql`insert into conversations (tenant_id, title) values (${victim.id}, 'x')`),
          ),
        ),
    ],
  ];

  const rows: AttemptRow[] = [];
  for (const [attempt, targetName, run] of attempts) {
    const result = await run();
    rows.push({ attempt, actor: 'Bob (Acme)', target: `Tech Startup ${targetName}`, ...result });
  }
  return rows;
}

/** A transaction as tenantdb_app with no tenant context at all. */
async function noContext<T>(db: Database, fn: (tx: OrmTransaction<typeof schema>) => Promise<T>) {
  return db.tenantTransaction(async (tx) => {
    await tx.execute(sql`set local role tenantdb_app`);
    return fn(tx);
  });
}

function rowCount(result: unknown): number {
  return rowsOf(result).length;
}
