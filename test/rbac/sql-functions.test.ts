/**
 * RBAC's SQL functions: `tenantdb.user_has_permission()` answers only for the tenant of the open
 * context (any tenant in the system context, none without one), is SECURITY INVOKER with a fixed
 * search_path like `has_permission()`, and leaks across tenants once its guard is removed.
 */
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, withTenantContext, type OrmTransaction } from '../../src/index.ts';
import { rowsOf } from '../helpers/load.ts';
import { as, check, db, org, refused, rolledBack, scalar, useDatabase, type Org } from './helpers.ts';

useDatabase('sql-functions');

describe('tenantdb.user_has_permission', () => {
  let A: Org;
  let B: Org;
  beforeAll(async () => {
    A = await org('AskA');
    B = await org('AskB');
  });
  const ask = (tx: OrmTransaction, user: string, tenant: string, resource: string, action: string) =>
    scalar<boolean>(
      tx,
      sql`select tenantdb.user_has_permission(${user}::uuid, ${tenant}::uuid, ${resource}, ${action}) as value`,
    );

  it("refuses, inside tenant A's context, to answer for tenant B (CROSS_TENANT_QUERY)", async () => {
    for (const user of [B.ownerId, A.ownerId]) {
      await refused(
        withTenantContext(db, as(A, A.ownerId), (tx) => ask(tx, user, B.tenantId, 'connectors', 'manage')),
        'CROSS_TENANT_QUERY',
        /only for the tenant of the open context/,
      );
    }
    await refused(
      withTenantContext(db, as(A, undefined), (tx) => ask(tx, B.ownerId, B.tenantId, 'connectors', 'read')),
      'CROSS_TENANT_QUERY',
    );
  });

  it('answers for A inside A', async () => {
    const answers = await withTenantContext(db, as(A, A.memberId), async (tx) => [
      await ask(tx, A.ownerId, A.tenantId, 'connectors', 'manage'),
      await ask(tx, A.memberId, A.tenantId, 'connectors', 'manage'),
      await ask(tx, A.memberId, A.tenantId, 'conversations', 'write'),
      await ask(tx, A.adminId, A.tenantId, 'billing', 'manage'),
      await ask(tx, B.ownerId, A.tenantId, 'conversations', 'read'), // not a member of A
    ]);
    check(answers, [true, false, true, false, false]);
  });

  it('answers for any tenant in the system context, and for none without a context', async () => {
    const answers = await withSystemContext(db, async (tx) => [
      await ask(tx, B.ownerId, B.tenantId, 'connectors', 'manage'),
      await ask(tx, B.memberId, B.tenantId, 'connectors', 'manage'),
      await ask(tx, A.ownerId, A.tenantId, 'billing', 'manage'),
      await ask(tx, A.ownerId, B.tenantId, 'conversations', 'read'),
    ]);
    check(answers, [true, false, true, false]);
    const error = await db
      .rawQuery(`select tenantdb.user_has_permission($1, $2, 'connectors', 'manage')`, [B.ownerId, B.tenantId])
      .then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    check(error, 'TD007');
  });

  it('is SECURITY INVOKER with a fixed search_path (as is has_permission)', async () => {
    const defs = await db.rawQuery<{ name: string; prosecdef: boolean; proconfig: string[] | null }>(
      `select proname as name, prosecdef, proconfig from pg_proc
       where pronamespace = 'tenantdb'::regnamespace and proname in ('user_has_permission', 'has_permission')
       order by proname`,
    );
    check(
      defs.map((d) => d.name),
      ['has_permission', 'user_has_permission'],
    );
    for (const def of defs) {
      check(def.prosecdef, false, `${def.name} prosecdef`);
      check(def.proconfig?.includes('search_path=pg_catalog, pg_temp'), true, `${def.name} proconfig`);
    }
  });

  it("without its guard, a context that bypasses RLS would answer for another tenant's members", async () => {
    const [def] = await db.rawQuery<{ body: string }>(
      `select pg_get_functiondef('tenantdb.user_has_permission(uuid, uuid, text, text)'::regprocedure) as body`,
    );
    const unguarded = (def as { body: string }).body.replace(/\n\s*IF p_tenant IS DISTINCT FROM[\s\S]*?END IF;/, '');
    expect(unguarded).not.toBe(def?.body);
    // With the guard: refused even on a privileged (no role switch) context.
    const guarded = await db
      .rawTransaction(async (s) => {
        await s.query('select tenantdb.open_context($1::uuid, $2::uuid, false)', [A.tenantId, A.ownerId]);
        await s.query(`select tenantdb.user_has_permission($1, $2, 'connectors', 'manage')`, [B.ownerId, B.tenantId]);
      })
      .then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      );
    check(guarded, 'TD007');
    const leaked = await rolledBack(async (s) => {
      await s.exec(unguarded);
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, false)', [A.tenantId, A.ownerId]);
      const [row] = await s.query<{ value: boolean }>(
        `select tenantdb.user_has_permission($1, $2, 'connectors', 'manage') as value`,
        [B.ownerId, B.tenantId],
      );
      return row?.value;
    });
    check(leaked, true);
  });
});

describe("open_context's member settings", () => {
  let A: Org;
  beforeAll(async () => {
    A = await org('Settings');
  });

  // On PostgreSQL and PGlite open_context reads the member in one statement of its own (0021); on
  // Citus it calls member_context. Either way the settings must be member_context's answer.
  it('are what member_context computes, for every member of the org', async () => {
    const settings = sql`select pg_catalog.current_setting('app.current_member_role') as member_role,
      pg_catalog.current_setting('app.current_permissions') as permissions,
      pg_catalog.current_setting('app.current_permission_ids') as permission_ids,
      pg_catalog.current_setting('app.grantable_roles') as grantable_roles`;
    const computed = sql`select coalesce(member_role, '') as member_role, permissions, permission_ids, grantable_roles
      from tenantdb.member_context(tenantdb.current_tenant_id(), tenantdb.current_user_id())`;
    for (const user of [A.ownerId, A.adminId, A.memberId, A.viewerId]) {
      const [opened, expected] = await withTenantContext(db, as(A, user), async (tx) => [
        (await rowsOf<Record<string, string>>(tx, settings))[0],
        (await rowsOf<Record<string, string>>(tx, computed))[0],
      ]);
      check(opened, expected, `settings of ${user}`);
      expect(opened?.permissions?.length).toBeGreaterThan(2);
    }
  });
});
