/**
 * Cross-tenant attacks against every tenant table, generated from the schema registry: a table
 * added later is covered without writing a test. Each attack runs
 *   - through layer 2 alone: Drizzle / raw SQL in a tenant context as tenantdb_app (RLS), and
 *   - through layer 1 alone: the scoped API on a connection that bypasses RLS (superuser, no
 *     role switch),
 * and for each protection the suite also shows the attack succeeding once that protection is
 * removed, so the tests can fail. Each layer's attacks are keyed by the AttackId of verify's
 * catalogue (ATTACKS), so an attack added there is tested here too, or said not to apply.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, getTableName, sql } from 'drizzle-orm';
import { driverErrorOf } from '../src/errors.ts';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  provisionTenant,
  tenantTables,
  withSystemContext,
  withTenantContext,
  type OrmTransaction,
  type TenantScope,
} from '../src/index.ts';
import * as schema from '../src/schema/index.ts';
import { users } from '../src/schema/index.ts';
import { sampleRow, tenantForeignKeys } from '../src/contract/row-factory.ts';
import { ATTACKS, type AttackId } from '../src/verify/index.ts';
import { backend, createTestDatabase, isCitus, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { systemOf } from './helpers/tenants.ts';

type AnyTable = PgTable & { tenantId: PgColumn; id: PgColumn };

const tables = tenantTables();
const keyOf = new Map(
  Object.entries(schema)
    .filter(([, value]) => typeof value === 'object' && value !== null && 'tenantId' in value)
    .map(([key, value]) => [getTableName(value as unknown as PgTable), key]),
);

interface Side {
  tenantId: string;
  ownerId: string;
  /** Users for rows that reference users: one for the setup rows, one spare for new rows
   *  (a membership is unique per tenant and user). */
  probeUserId: string;
  spareUserId: string;
  /** One row per tenant table, by table name. */
  rows: Map<string, string>;
  /** Existing rows of referenced global tables. */
  globals: Map<string, string>;
}

let t: TestDatabase;
let db: TestDb;
let bypass: TestDb; // superuser connection, no role switch: RLS does not apply
let A: Side;
let B: Side;

async function makeSide(label: string): Promise<Side> {
  const stamp = randomUUID().slice(0, 8);
  const { tenant, ownerId } = await provisionTenant(systemOf(db), {
    name: `Tenant ${label}`,
    slug: `iso-${label.toLowerCase()}-${stamp}`,
    owner: { email: `owner-${label}-${stamp}@example.test` },
  });
  const [probeUserId, spareUserId] = await withSystemContext(db, async (tx) => {
    const created = await tx
      .insert(users)
      .values([{ email: `probe-${label}-${stamp}@example.test` }, { email: `spare-${label}-${stamp}@example.test` }])
      .returning({ id: users.id });
    return created.map((u) => u.id);
  });
  const side: Side = {
    tenantId: tenant.id,
    ownerId: ownerId as string,
    probeUserId: probeUserId as string,
    spareUserId: spareUserId as string,
    rows: new Map(),
    globals: await globalRows(),
  };
  // One row per tenant table, parents first, written as the application role.
  await withTenantContext(db, { tenantId: side.tenantId, userId: side.ownerId }, async (tx) => {
    // Tables the application may only read (running totals kept by a trigger) get their rows
    // from writing the others: one of those is the side's row.
    const readOnly = tables.filter((info) => !info.commands.includes('insert'));
    for (const info of tables) {
      if (readOnly.includes(info)) continue;
      const values = sampleRow(info.table, { parents: side.rows, userId: side.probeUserId, globals: side.globals });
      const [row] = (await tx.insert(info.table).values(values).returning()) as { id: string }[];
      side.rows.set(info.name, (row as { id: string }).id);
      // The grant policies read the member's grants from the context's settings, taken when it
      // opened: recompute them, so a role written here can be granted further down.
      await tx.execute(sql`select tenantdb.refresh_context()`);
    }
    for (const info of readOnly) {
      const [row] = (await tx.select().from(info.table).limit(1)) as { id: string }[];
      if (row === undefined) throw new Error(`no row of ${info.name} was written by writing the other tables`);
      side.rows.set(info.name, row.id);
    }
  });
  return side;
}

/** One existing row of each global table a tenant table may reference (the catalogue). */
async function globalRows(): Promise<Map<string, string>> {
  const [permission] = await db.rawQuery<{ id: string }>(
    `select id from permissions order by resource, action limit 1`,
  );
  return new Map([['permissions', (permission as { id: string }).id]]);
}

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  bypass = await t.connect({ dangerouslySkipRoleSwitch: true });
  A = await makeSide('A');
  B = await makeSide('B');
});

afterAll(async () => {
  await t?.dispose();
});

const inA = <T>(fn: (tx: OrmTransaction, scoped: TenantScope) => Promise<T>) =>
  withTenantContext(db, { tenantId: A.tenantId, userId: A.ownerId }, fn);
const layer1InA = <T>(fn: (tx: OrmTransaction, scoped: TenantScope) => Promise<T>) =>
  withTenantContext(bypass, { tenantId: A.tenantId, userId: A.ownerId }, fn);
/** A transaction as tenantdb_app with no tenant context, on the application connection. */
const noContext = <T>(fn: (tx: OrmTransaction) => Promise<T>) =>
  db.tenantTransaction(async (tx) => {
    await tx.execute(sql`set local role tenantdb_app`);
    return fn(tx);
  });
/**
 * Ground truth, read in the system context. By tenant and id: an id is unique only within its
 * tenant (an upsert may create the other tenant's id in the own tenant), and with both rows
 * present the order of `where id = …` alone is arbitrary (on Citus, shards answer in any order).
 */
const rowOf = (table: AnyTable, id: string, tenantId: string) =>
  withSystemContext(
    db,
    async (tx) =>
      (
        await tx
          .select()
          .from(table)
          .where(and(eq(table.tenantId, tenantId), eq(table.id, id)))
      )[0] as Record<string, unknown> | undefined,
  );
const countAll = (table: AnyTable) =>
  withSystemContext(db, async (tx) => (await tx.select({ id: table.id }).from(table)).length);
/** Rejects with a typed error of the given code; returns it. */
async function refused(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}, but the statement succeeded`).toBeDefined();
  expect((error as { code?: string }).code).toBe(code);
  return error;
}

let attacks = 0;
let leaks = 0;
/** Counts one attack; `held` says whether isolation held. */
function attack(held: boolean): void {
  attacks++;
  if (!held) leaks++;
}

afterAll(() => {
  console.log(`isolation [${backend}]: ${tables.length} tenant tables, ${attacks} attacks tried, ${leaks} leaks`);
});

/**
 * A layer's tests of one attack of ATTACKS: a function that declares them (one function may test
 * two attacks), or why the attack does not apply to the layer. Each layer keys them by AttackId, so
 * an attack added to the catalogue does not compile until every layer says how it is tested.
 */
type AttackTests = (() => void) | { notApplicable: string };

/** Declares a layer's tests, in the catalogue's order, each function once. */
function declareAttackTests(layer: Record<AttackId, AttackTests>): void {
  it('tests every attack of the catalogue, or says why it does not apply', () => {
    expect(Object.keys(layer).sort()).toEqual(ATTACKS.map((a) => a.id).sort());
  });
  const declared = new Set<() => void>();
  for (const { id } of ATTACKS) {
    const tests = layer[id];
    if (typeof tests !== 'function' || declared.has(tests)) continue;
    declared.add(tests);
    tests();
  }
}

it('covers every tenant table of the schema', () => {
  expect(tables.map((x) => x.name)).toEqual(expect.arrayContaining(['tenant_members', 'conversations', 'messages']));
  for (const info of tables) expect(keyOf.get(info.name), `${info.name} is exported from the schema`).toBeDefined();
});

describe.each(tables.map((info) => [info.name, info] as const))('%s', (name, info) => {
  const table = info.table as AnyTable;
  const key = keyOf.get(name) as string;
  const fks = tenantForeignKeys(table);
  const canUpdate = info.commands.includes('update');
  const canDelete = info.commands.includes('delete');
  const canInsert = info.commands.includes('insert');
  const newRow = (side: Side) =>
    sampleRow(table, { parents: side.rows, userId: side.spareUserId, globals: side.globals });
  const idOf = (side: Side) => side.rows.get(name) as string;
  const scopedTable = (scoped: TenantScope) =>
    (scoped.tables as Record<string, unknown>)[key] as {
      findMany(config?: object): Promise<{ tenantId: string }[]>;
      findFirst(config?: object): Promise<unknown>;
      count(where?: unknown): Promise<number>;
      insert(values: object): Promise<{ id: string; tenantId: string }>;
      update(set: object, where?: unknown): Promise<unknown[]>;
      delete(where?: unknown): Promise<unknown[]>;
      upsert(values: object): Promise<{ id: string; tenantId: string }>;
    };

  describe('layer 2: RLS as tenantdb_app', () => {
    declareAttackTests({
      select: () =>
        it("select sees only the own tenant's rows", async () => {
          const rows = (await inA((tx) => tx.select().from(table))) as { tenantId: string }[];
          const byId = await inA((tx) =>
            tx
              .select()
              .from(table)
              .where(eq(table.id, idOf(B))),
          );
          const raw = await inA((tx) =>
            tx.execute(sql`select count(*)::int as n from ${table} where tenant_id = ${B.tenantId}`),
          );
          const rawCount = ((Array.isArray(raw) ? raw : (raw as { rows: { n: number }[] }).rows)[0] as { n: number }).n;
          attack(rows.every((r) => r.tenantId === A.tenantId) && byId.length === 0 && rawCount === 0);
          expect(rows.length).toBeGreaterThan(0);
          expect(rows.every((r) => r.tenantId === A.tenantId)).toBe(true);
          expect(byId).toEqual([]);
          expect(rawCount).toBe(0);
        }),
      update: () =>
        it("update of the other tenant's row changes nothing", async () => {
          const before = await rowOf(table, idOf(B), B.tenantId);
          const attempt = inA((tx) =>
            tx
              .update(table)
              .set({ updatedAt: new Date(0) } as never)
              .where(eq(table.id, idOf(B)))
              .returning(),
          );
          if (canUpdate) {
            const updated = await attempt;
            attack(updated.length === 0);
            expect(updated).toEqual([]);
          } else {
            await refused(attempt, 'PERMISSION_DENIED');
            attack(true);
          }
          expect(await rowOf(table, idOf(B), B.tenantId)).toEqual(before);
        }),
      delete: () =>
        it("delete of the other tenant's row deletes nothing", async () => {
          const attempt = inA((tx) =>
            tx
              .delete(table)
              .where(eq(table.id, idOf(B)))
              .returning(),
          );
          if (canDelete) {
            const deleted = await attempt;
            attack(deleted.length === 0);
            expect(deleted).toEqual([]);
          } else {
            await refused(attempt, 'PERMISSION_DENIED');
            attack(true);
          }
          expect(await rowOf(table, idOf(B), B.tenantId)).toBeDefined();
        }),
      'insert-other-tenant': () =>
        it('insert naming the other tenant is rejected', async () => {
          const before = await countAll(table);
          await refused(
            inA((tx) => tx.insert(table).values({ ...newRow(A), tenantId: B.tenantId } as never)),
            canInsert ? 'TENANT_ISOLATION_VIOLATION' : 'PERMISSION_DENIED',
          );
          attack(true);
          expect(await countAll(table)).toBe(before);
        }),
      'upsert-other-key': () =>
        it("an upsert on the other tenant's key is rejected and overwrites nothing", async () => {
          const rowOfB = () =>
            withSystemContext(db, (tx) =>
              tx
                .select()
                .from(table)
                .where(sql`${table.tenantId} = ${B.tenantId} and ${table.id} = ${idOf(B)}`),
            );
          const before = await rowOfB();
          await refused(
            inA((tx) =>
              tx
                .insert(table)
                .values({ ...newRow(A), tenantId: B.tenantId, id: idOf(B) } as never)
                .onConflictDoUpdate({ target: [table.tenantId, table.id], set: { updatedAt: new Date(0) } as never }),
            ),
            // ON CONFLICT DO UPDATE needs the UPDATE grant (append-only tables have none).
            canUpdate ? 'TENANT_ISOLATION_VIOLATION' : 'PERMISSION_DENIED',
          );
          attack(true);
          expect(await rowOfB()).toEqual(before);
        }),
      'reference-other-row': () =>
        it.skipIf(fks.length === 0)("a reference to the other tenant's row is rejected", async () => {
          for (const fk of fks) {
            const values = { ...newRow(A), [fk.key]: B.rows.get(fk.parent) };
            // member_roles.role_id: the grant policy checks the role against the roles the member may
            // grant (the open tenant's, from the context's settings) before the foreign key is
            // checked, so the other tenant's role is refused one step earlier, by RLS.
            const grantChecked = name === 'member_roles' && fk.key === 'roleId';
            const error = await refused(
              inA((tx) => tx.insert(table).values(values as never)),
              grantChecked ? 'PERMISSION_DENIED' : 'CROSS_TENANT_REFERENCE',
            );
            if (grantChecked) expect(String((error as Error).message)).toMatch(/member_roles_grant_rbac_insert/);
            attack(true);
          }
        }),
      'change-tenant-id': () =>
        it('changing tenant_id is rejected', async () => {
          await refused(
            inA((tx) =>
              tx
                .update(table)
                .set({ tenantId: B.tenantId } as never)
                .where(eq(table.id, idOf(A))),
            ),
            // Citus refuses a change of the distribution column while planning, before the grant is
            // checked: there it is TENANT_ISOLATION_VIOLATION even where the role may not update.
            canUpdate || isCitus ? 'TENANT_ISOLATION_VIOLATION' : 'PERMISSION_DENIED',
          );
          attack(true);
          expect((await rowOf(table, idOf(A), A.tenantId))?.tenantId).toBe(A.tenantId);
        }),
      'copy-to': () =>
        it("COPY TO copies only the own tenant's rows", async () => {
          const own = await withSystemContext(
            db,
            async (tx) => (await tx.select({ id: table.id }).from(table).where(eq(table.tenantId, A.tenantId))).length,
          );
          // Drizzle has no COPY: a raw session, in A's context as tenantdb_app.
          const copied = await db.rawTransaction(async (s) => {
            await s.query(`SELECT tenantdb.open_context($1::uuid, NULL, true)`, [A.tenantId]);
            return s.command(`COPY ${name} TO STDOUT`);
          });
          attack(copied === own);
          expect(copied).toBe(own);
          expect(await countAll(table)).toBeGreaterThan(own);
        }),
    });

    // The other contexts of ATTACK_VARIANTS: none at all, and a malformed or injected tenant id.
    it('no context: no rows, and every write rejected', async () => {
      const seen = await noContext((tx) => tx.select().from(table));
      // Without a grant for the command the attempt is refused outright: count that as 0 rows.
      const orNone = (attempt: Promise<unknown[]>) => attempt.catch(() => []);
      const updated = await orNone(
        noContext((tx) =>
          tx
            .update(table)
            .set({ updatedAt: new Date(0) } as never)
            .returning(),
        ),
      );
      const deleted = await orNone(noContext((tx) => tx.delete(table).returning()));
      const inserted = await noContext((tx) =>
        tx.insert(table).values({ ...newRow(A), tenantId: A.tenantId } as never),
      ).then(
        () => true,
        () => false,
      );
      const insertedNoTenant = await noContext((tx) => tx.insert(table).values(newRow(A) as never)).then(
        () => true,
        () => false,
      );
      attack(seen.length === 0);
      attack(updated.length === 0);
      attack(deleted.length === 0);
      attack(!inserted);
      attack(!insertedNoTenant);
      expect(seen).toEqual([]);
      expect(updated).toEqual([]);
      expect(deleted).toEqual([]);
      expect(inserted).toBe(false);
      expect(insertedNoTenant).toBe(false);
    });

    it('a malformed tenant id is a typed error and nothing is written', async () => {
      const before = await countAll(table);
      for (const bad of ['not-a-uuid', `${B.tenantId}'; delete from ${name}; --`, '', `${A.tenantId}\u0000`]) {
        await refused(
          withTenantContext(db, { tenantId: bad }, (tx) => tx.insert(table).values(newRow(A) as never)),
          'INVALID_TENANT_ID',
        );
        attack(true);
      }
      expect(await countAll(table)).toBe(before);
    });
  });

  describe('layer 1: the scoped API alone, on a connection that bypasses RLS', () => {
    const updateAndDelete = () =>
      it("update and delete of the other tenant's row touch nothing", async () => {
        const before = await rowOf(table, idOf(B), B.tenantId);
        const updated = await layer1InA((_tx, scoped) =>
          scopedTable(scoped).update({ updatedAt: new Date(0) }, eq(table.id, idOf(B))),
        );
        const deleted = await layer1InA((_tx, scoped) => scopedTable(scoped).delete(eq(table.id, idOf(B))));
        attack(updated.length === 0);
        attack(deleted.length === 0);
        expect(updated).toEqual([]);
        expect(deleted).toEqual([]);
        expect(await rowOf(table, idOf(B), B.tenantId)).toEqual(before);
      });

    const insertOrUpdateNamingTheOther = () =>
      it('insert or update naming the other tenant is refused', async () => {
        const before = await countAll(table);
        await refused(
          layer1InA((_tx, scoped) => scopedTable(scoped).insert({ ...newRow(A), tenantId: B.tenantId })),
          'TENANT_MISMATCH',
        );
        await refused(
          layer1InA((_tx, scoped) => scopedTable(scoped).update({ tenantId: B.tenantId }, eq(table.id, idOf(A)))),
          'TENANT_MISMATCH',
        );
        attack(true);
        attack(true);
        expect(await countAll(table)).toBe(before);
        expect((await rowOf(table, idOf(A), A.tenantId))?.tenantId).toBe(A.tenantId);
      });

    declareAttackTests({
      select: () =>
        it("reads see only the own tenant's rows", async () => {
          const [all, other, n] = await layer1InA(
            async (_tx, scoped) =>
              [
                await scopedTable(scoped).findMany(),
                await scopedTable(scoped).findFirst({ where: eq(table.id, idOf(B)) }),
                await scopedTable(scoped).count(),
              ] as const,
          );
          attack(all.every((r) => r.tenantId === A.tenantId) && other === undefined);
          expect(all.length).toBeGreaterThan(0);
          expect(all.every((r) => r.tenantId === A.tenantId)).toBe(true);
          expect(other).toBeUndefined();
          expect(n).toBe(all.length);
        }),
      update: updateAndDelete,
      delete: updateAndDelete,
      'insert-other-tenant': insertOrUpdateNamingTheOther,
      'upsert-other-key': () =>
        it("upsert with the other tenant's id never touches the other tenant's row", async () => {
          const before = await rowOf(table, idOf(B), B.tenantId);
          // Either a new row in A (the same id in another tenant is another key), or a conflict with
          // one of A's own unique keys (tables keyed by their references); never B's row.
          const outcome = await layer1InA((_tx, scoped) =>
            scopedTable(scoped).upsert({ ...newRow(A), id: idOf(B) }),
          ).then(
            (row) => row.tenantId,
            (e: unknown) => (driverErrorOf(e)?.code === '23505' ? 'own unique key' : String(e)),
          );
          attack(outcome === A.tenantId || outcome === 'own unique key');
          expect([A.tenantId, 'own unique key']).toContain(outcome);
          expect(await rowOf(table, idOf(B), B.tenantId)).toEqual(before);
          await withSystemContext(db, (tx) =>
            tx.delete(table).where(sql`${table.tenantId} = ${A.tenantId} and ${table.id} = ${idOf(B)}`),
          );
        }),
      'reference-other-row': () =>
        it.skipIf(fks.length === 0)("a reference to the other tenant's row is refused", async () => {
          for (const fk of fks) {
            await refused(
              layer1InA((_tx, scoped) => scopedTable(scoped).insert({ ...newRow(A), [fk.key]: B.rows.get(fk.parent) })),
              'CROSS_TENANT_REFERENCE',
            );
            attack(true);
          }
        }),
      'change-tenant-id': insertOrUpdateNamingTheOther,
      'copy-to': {
        notApplicable:
          'the scoped API has no COPY: it reads through findMany, findFirst and count (see select), and COPY is tried as tenantdb_app in layer 2',
      },
    });
  });

  describe('the attacks succeed when a protection is removed (so the tests above can fail)', () => {
    it('without the role switch and without layer 1, raw queries see and change the other tenant', async () => {
      const seen = await layer1InA((tx) => tx.select().from(table).where(eq(table.tenantId, B.tenantId)));
      expect(seen.length).toBeGreaterThan(0);
      let changed = -1;
      const outcome = await bypass.dangerouslyPrivilegedOrm
        .transaction(async (tx) => {
          await tx.execute(sql`select tenantdb.open_context(${A.tenantId}::uuid, null, false)`);
          // A harmless change of B's rows, rolled back (triggers may refuse updates outright).
          await tx.execute(sql`alter table ${table} disable trigger user`);
          changed = (
            await tx
              .update(table)
              .set({ updatedAt: new Date(0) } as never)
              .where(eq(table.tenantId, B.tenantId))
              .returning()
          ).length;
          tx.rollback();
        })
        .then(
          () => 'committed',
          (e: Error) => (e.message.includes('Rollback') ? 'changed, then rolled back' : e.message),
        );
      expect(outcome).toBe('changed, then rolled back');
      expect(changed).toBeGreaterThan(0);
    });

    it('without the role switch, COPY TO copies every tenant', async () => {
      const own = await withSystemContext(
        db,
        async (tx) => (await tx.select({ id: table.id }).from(table).where(eq(table.tenantId, A.tenantId))).length,
      );
      const copied = await bypass.rawTransaction(async (s) => {
        await s.query(`SELECT tenantdb.open_context($1::uuid, NULL, false)`, [A.tenantId]);
        return s.command(`COPY ${name} TO STDOUT`);
      });
      expect(copied).toBeGreaterThan(own);
    });

    // Skipped on Citus: the owner change (DDL) and the query as another role cannot share a
    // transaction there ("cannot perform query on placements that were modified in this
    // transaction by a different user"); FORCE on the shards is what verify's citus lints check.
    it.skipIf(isCitus)('without FORCE ROW LEVEL SECURITY, the table owner reads every tenant', async () => {
      const owner = `tdb_probe_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      const counts = await db
        .rawTransaction(async (s) => {
          await s.exec(
            `CREATE ROLE ${owner} NOLOGIN; ALTER TABLE ${name} OWNER TO ${owner}; GRANT USAGE ON SCHEMA tenantdb TO ${owner};`,
          );
          await s.query(`SELECT set_config('app.current_tenant_id', $1, true)`, [A.tenantId]);
          const count = async () => {
            await s.exec(`SET LOCAL ROLE ${owner}`);
            const [r] = await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name} WHERE tenant_id = $1`, [
              B.tenantId,
            ]);
            await s.exec('RESET ROLE');
            return r?.n;
          };
          const forced = await count();
          await s.exec(`ALTER TABLE ${name} NO FORCE ROW LEVEL SECURITY`);
          const unforced = await count();
          throw Object.assign(new Error('rollback'), { counts: [forced, unforced] });
        })
        .catch((e: { counts?: number[] }) => e.counts);
      expect(counts?.[0]).toBe(0);
      expect(counts?.[1]).toBeGreaterThan(0);
    });

    it.skipIf(fks.length === 0)('without the composite foreign key, a cross-tenant reference is accepted', async () => {
      for (const fk of fks) {
        const accepted = await db
          .rawTransaction(async (s) => {
            // On Citus the DDL must run sequentially to be followed by other statements in the same
            // transaction, and the queries after it must stay the DDL's role: no role switch there
            // (RLS is not what refuses a cross-tenant reference; the composite key is).
            if (isCitus) await s.exec(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
            await s.exec(`ALTER TABLE ${name} DROP CONSTRAINT ${fk.constraint}`);
            await s.query(`SELECT tenantdb.open_context($1::uuid, NULL, $2)`, [A.tenantId, !isCitus]);
            const values = { ...newRow(A), [fk.key]: B.rows.get(fk.parent) };
            const columns = Object.keys(values).map(
              (k) => (table as unknown as Record<string, PgColumn>)[k]?.name as string,
            );
            await s.query(
              `INSERT INTO ${name} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
              Object.values(values).map((v) =>
                v !== null && typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v,
              ),
            );
            throw Object.assign(new Error('rollback'), { accepted: true });
          })
          .catch((e: { accepted?: boolean; message: string }) => e.accepted ?? e.message);
        expect(accepted).toBe(true);
      }
    });
  });
});
