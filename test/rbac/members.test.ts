/**
 * The member directory: a tenant context reads only its own user's row of `users` (the policy
 * compares a setting, never reads a table), and `listMembers` gives the open tenant's members with
 * their profiles, a page at a time, and never another tenant's. Each protection is shown failing
 * when removed.
 */
import { beforeAll, describe, it } from 'vitest';
import { listMembers, withTenantContext } from '../../src/index.ts';
import { users } from '../../src/schema/index.ts';
import { isCitus } from '../helpers/backend.ts';
import { tenantOf } from '../helpers/tenants.ts';
import { as, check, db, org, refused, rolledBack, useDatabase, type Org } from './helpers.ts';

useDatabase('members');

/** The directory function without its tenant filter: what the attack needs. */
const UNFILTERED_DIRECTORY = `CREATE OR REPLACE FUNCTION tenantdb.member_directory(p_after_joined timestamptz, p_after_member uuid, p_limit integer)
  RETURNS TABLE (member_id uuid, user_id uuid, email text, name text, image text, role text, status text, joined_at timestamptz)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
  AS $$ SELECT m.id, u.id, u.email, u.name, u.image, m.role::text, m.status::text, m.created_at
        FROM public.tenant_members m JOIN public.users u ON u.id = m.user_id ORDER BY m.created_at, m.id LIMIT p_limit $$`;

describe('member directory', () => {
  let A: Org;
  let B: Org;
  let emailsOfA: string[];
  beforeAll(async () => {
    A = await org('DirA');
    B = await org('DirB');
    emailsOfA = await withTenantContext(db, as(A, A.ownerId), async (tx, scope) =>
      (await listMembers(scope)).map((m) => m.email),
    );
  });

  it("lists the open tenant's members with profile, role and status, in the order they joined", async () => {
    const members = await listMembers(tenantOf(db, as(A, A.viewerId)));
    check(members.length, 4);
    check(
      members.map((m) => m.role),
      ['owner', 'admin', 'member', 'viewer'],
    );
    check(
      members.map((m) => m.userId),
      [A.ownerId, A.adminId, A.memberId, A.viewerId],
    );
    check(
      members.every((m) => m.status === 'ACTIVE' && m.joinedAt instanceof Date && m.email.includes('-dira-')),
      true,
    );
    // The application acting for the tenant (no user) reads the same directory.
    check((await tenantOf(db, as(A, undefined)).rbac.listMembers()).length, 4);
  });

  it('pages by keyset: limit and after', async () => {
    const client = tenantOf(db, as(A, A.memberId));
    const pages: string[][] = [];
    let after: Awaited<ReturnType<typeof listMembers>>[number] | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await client.rbac.listMembers({ limit: 3, ...(after ? { after } : {}) });
      if (page.length === 0) break;
      pages.push(page.map((m) => m.email));
      after = page.at(-1);
    }
    check(
      pages.map((p) => p.length),
      [3, 1],
    );
    check(pages.flat(), emailsOfA);
    await refused(listMembers(client, { limit: 0 }), 'INVALID_INPUT', /limit/);
    await refused(listMembers(client, { limit: 1001 }), 'INVALID_INPUT', /limit/);
    await refused(
      listMembers(client, { after: { joinedAt: 'yesterday' as unknown as Date, memberId: 'x' } }),
      'INVALID_INPUT',
      /after/,
    );
    await refused(listMembers({} as never), 'TENANT_CONTEXT_MISSING');
  });

  it("never answers for another tenant, and a context reads only its own user's row of users", async () => {
    const seenByB = await listMembers(tenantOf(db, as(B, B.ownerId)));
    check(seenByB.length, 4);
    check(
      seenByB.some((m) => emailsOfA.includes(m.email)),
      false,
    );
    const rows = await withTenantContext(db, as(A, A.memberId), (tx) => tx.select({ id: users.id }).from(users));
    check(
      rows.map((r) => r.id),
      [A.memberId],
    );
    // No context: the directory is empty (as the application role, which every tenant call is).
    const noContext = await rolledBack(async (s) => {
      await s.exec(`SELECT set_config('role', 'tenantdb_app', true)`);
      return s.query(`SELECT * FROM tenantdb.member_directory(null, null, 10)`);
    });
    check(noContext.length, 0);
  });

  // Skipped on Citus: DDL and reads as tenantdb_app cannot share a transaction there ("cannot
  // perform query on placements that were modified in this transaction by a different user").
  it.skipIf(isCitus)("the attacks succeed when the protections are removed: B reads A's members", async () => {
    const throughDirectory = await rolledBack(async (s) => {
      await s.exec(UNFILTERED_DIRECTORY);
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [B.tenantId, B.ownerId]);
      return s.query<{ email: string }>(`SELECT email FROM tenantdb.member_directory(null, null, 1000)`);
    });
    check(
      emailsOfA.every((e) => throughDirectory.some((r) => r.email === e)),
      true,
      "an unfiltered directory shows A's members to B",
    );
    const throughUsers = await rolledBack(async (s) => {
      await s.exec(`CREATE POLICY users_select_everyone ON users FOR SELECT TO tenantdb_app USING (true)`);
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [B.tenantId, B.ownerId]);
      return s.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE id = ANY($1::uuid[])`, [
        [A.ownerId, A.adminId, A.memberId, A.viewerId],
      ]);
    });
    check(throughUsers[0]?.n, 4, "a permissive users policy shows A's users to B");
    // And with the protections in place, the same statements show B nothing of A.
    const held = await rolledBack(async (s) => {
      await s.query('select tenantdb.open_context($1::uuid, $2::uuid, true)', [B.tenantId, B.ownerId]);
      const [n] = await s.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE id = ANY($1::uuid[])`, [
        [A.ownerId, A.adminId, A.memberId, A.viewerId],
      ]);
      const listed = await s.query<{ email: string }>(`SELECT email FROM tenantdb.member_directory(null, null, 1000)`);
      return { users: n?.n, leaked: listed.filter((r) => emailsOfA.includes(r.email)).length };
    });
    check(held, { users: 0, leaked: 0 });
  });

  it('the users policy compares a setting only: no table read, no subquery', async () => {
    const [policy] = await db.rawQuery<{ qual: string }>(
      `select pg_get_expr(polqual, polrelid) as qual from pg_policy where polrelid = 'public.users'::regclass and polcmd = 'r'`,
    );
    check(/tenant_members|exists/i.test(policy?.qual ?? ''), false);
    check(/current_user_id\(\)/.test(policy?.qual ?? ''), true);
  });
});
