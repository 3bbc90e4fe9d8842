/** Tenant lifecycle and plan limits, enforced by the database; API keys. */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  issueApiKey,
  provisionTenant,
  revokeApiKey,
  verifyApiKey,
  withSystemContext,
  withTenantContext,
  type BuiltinSchema,
  type OrmTransaction,
} from '../src/index.ts';
import { apiKeys, connectors, memberRoles, roles, tenantMembers, tenants, users } from '../src/schema/index.ts';
import { codeOf, systemOf, tenantOf } from './helpers/tenants.ts';
import { createTestDatabase, isCitus, type TestDatabase, type TestDb } from './helpers/backend.ts';

let t: TestDatabase;
let db: TestDb;
beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

const slug = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
const email = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.test`;
const system = <T>(fn: (tx: OrmTransaction<BuiltinSchema>) => Promise<T>) =>
  withSystemContext(db, fn, { reason: 'test' });

describe('provisioning', () => {
  it('creates the tenant, its four system roles and the owner (super_admin) in one transaction', async () => {
    const { tenant, ownerId } = await provisionTenant(systemOf(db), {
      name: 'Prov',
      slug: slug('prov'),
      owner: { email: email('o') },
    });
    const names = await system(async (tx) =>
      (await tx.select({ name: roles.name }).from(roles).where(eq(roles.tenantId, tenant.id)))
        .map((r) => r.name)
        .sort(),
    );
    expect(names).toEqual(['agent_user', 'org_admin', 'org_member', 'super_admin']);
    const ownerRoles = await system((tx) =>
      tx
        .select({ role: roles.name, member: tenantMembers.role })
        .from(memberRoles)
        .innerJoin(
          tenantMembers,
          sql`${tenantMembers.tenantId} = ${memberRoles.tenantId} and ${tenantMembers.id} = ${memberRoles.memberId}`,
        )
        .innerJoin(roles, sql`${roles.tenantId} = ${memberRoles.tenantId} and ${roles.id} = ${memberRoles.roleId}`)
        .where(eq(tenantMembers.userId, ownerId as string)),
    );
    expect(ownerRoles).toEqual([{ role: 'super_admin', member: 'owner' }]);
  });

  it('a failure leaves nothing behind (duplicate slug: no tenant, no user)', async () => {
    const taken = slug('dup');
    await provisionTenant(systemOf(db), { name: 'First', slug: taken });
    const ownerEmail = email('never');
    expect(
      await codeOf(provisionTenant(systemOf(db), { name: 'Second', slug: taken, owner: { email: ownerEmail } })),
    ).toBe('ALREADY_EXISTS');
    const [counts] = await db.rawQuery<{ tenants: number; users: number }>(
      `select (select count(*)::int from tenants where slug = $1) as tenants,
              (select count(*)::int from users where email = $2) as users`,
      [taken, ownerEmail],
    );
    expect(counts).toEqual({ tenants: 1, users: 0 });
  });

  it('bad input is a typed error before anything runs', async () => {
    expect(await codeOf(provisionTenant(systemOf(db), { name: '', slug: slug('x') }))).toBe('INVALID_INPUT');
    expect(await codeOf(provisionTenant(systemOf(db), { name: 'X', slug: 'Not A Slug' }))).toBe('INVALID_INPUT');
  });

  it('a failure midway (bad owner email, after the tenant row was written) rolls everything back', async () => {
    const midway = slug('midway');
    expect(await codeOf(provisionTenant(systemOf(db), { name: 'X', slug: midway, owner: { email: 'nope' } }))).toBe(
      'INVALID_INPUT',
    );
    const [n] = await db.rawQuery<{ n: number }>(`select count(*)::int as n from tenants where slug = $1`, [midway]);
    expect(n?.n).toBe(0);
  });
});

describe('plan limits (enforced by triggers, so raw SQL obeys them)', () => {
  it('max_users: the member past the limit is LIMIT_EXCEEDED naming max_users; inactive members do not count', async () => {
    const { tenant, ownerId } = await provisionTenant(systemOf(db), {
      name: 'Lim',
      slug: slug('lim'),
      owner: { email: email('o') },
    });
    await system((tx) => tx.update(tenants).set({ maxUsers: 3 }).where(eq(tenants.id, tenant.id)));
    await addMember(systemOf(db), tenant.id, { email: email('m1') });
    const second = await addMember(systemOf(db), tenant.id, { email: email('m2') });
    const error = await addMember(systemOf(db), tenant.id, { email: email('m3') }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('LIMIT_EXCEEDED');
    expect((error as { limit?: string }).limit).toBe('max_users');
    expect((error as Error).message).toContain('max_users');
    // Raw SQL in the owner's context obeys the limit too.
    const [extra] = await system((tx) =>
      tx
        .insert(users)
        .values({ email: email('raw') })
        .returning(),
    );
    expect(
      await codeOf(
        withTenantContext(db, { tenantId: tenant.id, userId: ownerId }, (tx) =>
          tx.execute(sql`insert into tenant_members (user_id) values (${extra?.id})`),
        ),
      ),
    ).toBe('LIMIT_EXCEEDED');
    // Deactivating a member frees a seat.
    await system((tx) => tx.update(tenantMembers).set({ status: 'INACTIVE' }).where(eq(tenantMembers.userId, second)));
    await addMember(systemOf(db), tenant.id, { email: email('m4') });
    const [active] = await db.rawQuery<{ n: number }>(
      `select count(*)::int as n from tenant_members where tenant_id = $1 and status = 'ACTIVE'`,
      [tenant.id],
    );
    expect(active?.n).toBe(3);
  });

  it('max_connectors (default 5): the sixth connector is LIMIT_EXCEEDED; the limit is per tenant', async () => {
    const a = await provisionTenant(systemOf(db), { name: 'ConnA', slug: slug('ca'), owner: { email: email('oa') } });
    const b = await provisionTenant(systemOf(db), { name: 'ConnB', slug: slug('cb'), owner: { email: email('ob') } });
    expect(a.tenant.maxConnectors).toBe(5);
    const ctxA = { tenantId: a.tenant.id, userId: a.ownerId };
    for (let i = 0; i < 5; i++) {
      await withTenantContext(db, ctxA, (_tx, scoped) =>
        scoped.tables.connectors.insert({ name: `c${i}`, provider: 'stripe' }),
      );
    }
    const error = await withTenantContext(db, ctxA, (_tx, scoped) =>
      scoped.tables.connectors.insert({ name: 'c6', provider: 'slack' }),
    ).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('LIMIT_EXCEEDED');
    expect((error as { limit?: string }).limit).toBe('max_connectors');
    await withTenantContext(db, { tenantId: b.tenant.id, userId: b.ownerId }, (_tx, scoped) =>
      scoped.tables.connectors.insert({ name: 'b1', provider: 'stripe' }),
    );
    const [n] = await db.rawQuery<{ n: number }>(`select count(*)::int as n from connectors where tenant_id = $1`, [
      a.tenant.id,
    ]);
    expect(n?.n).toBe(5);
  });

  // Skipped on Citus: DISABLE TRIGGER (DDL) and the inserts as tenantdb_app cannot share a
  // transaction there ("placements that were modified in this transaction by a different user").
  it.skipIf(isCitus)('without the trigger the limit is not enforced (so the test above can fail)', async () => {
    const { tenant, ownerId } = await provisionTenant(systemOf(db), {
      name: 'NoLim',
      slug: slug('nolim'),
      owner: { email: email('o') },
    });
    const inserted = await db
      .rawTransaction(async (s) => {
        await s.exec('ALTER TABLE connectors DISABLE TRIGGER enforce_max_connectors');
        await s.query('SELECT tenantdb.open_context($1::uuid, $2::uuid, true)', [tenant.id, ownerId]);
        for (let i = 0; i < 6; i++) {
          await s.query(`INSERT INTO connectors (name, provider) VALUES ($1, 'x')`, [`c${i}`]);
        }
        const [r] = await s.query<{ n: number }>('SELECT count(*)::int AS n FROM connectors');
        throw Object.assign(new Error('rollback'), { n: r?.n });
      })
      .catch((e: { n?: number }) => e.n);
    expect(inserted).toBe(6);
  });
});

describe('API keys', () => {
  it('stores only a hash, shows the secret once, resolves to its tenant, and can be revoked', async () => {
    const { tenant, ownerId } = await provisionTenant(systemOf(db), {
      name: 'Keys',
      slug: slug('keys'),
      owner: { email: email('o') },
    });
    const ctx = { tenantId: tenant.id, userId: ownerId };
    const issued = await issueApiKey(tenantOf(db, ctx), { name: 'CI', scopes: ['analytics:read'] });
    expect(issued.secret.startsWith(`${issued.prefix}_`)).toBe(true);
    const [stored] = await system((tx) => tx.select().from(apiKeys).where(eq(apiKeys.id, issued.id)));
    expect(stored?.prefix).toBe(issued.prefix);
    expect(stored?.keyHash).not.toContain(issued.secret.slice(issued.prefix.length + 1));
    expect(JSON.stringify(stored)).not.toContain(issued.secret);
    expect(await verifyApiKey(systemOf(db), issued.secret)).toEqual({
      keyId: issued.id,
      tenantId: tenant.id,
      scopes: ['analytics:read'],
    });
    expect(await verifyApiKey(systemOf(db), `${issued.secret.slice(0, -1)}x`)).toBeUndefined();
    expect(await verifyApiKey(systemOf(db), "tdb_' or 1=1 --")).toBeUndefined();
    expect(await revokeApiKey(tenantOf(db, ctx), issued.id)).toBe(true);
    expect(await verifyApiKey(systemOf(db), issued.secret)).toBeUndefined();
  });

  it('expired keys do not verify; a member without api_keys:manage cannot issue one', async () => {
    const { tenant, ownerId } = await provisionTenant(systemOf(db), {
      name: 'Keys2',
      slug: slug('keys2'),
      owner: { email: email('o') },
    });
    const expired = await issueApiKey(tenantOf(db, { tenantId: tenant.id, userId: ownerId }), {
      name: 'old',
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await verifyApiKey(systemOf(db), expired.secret)).toBeUndefined();
    const member = await addMember(systemOf(db), tenant.id, { email: email('m') }, 'member');
    expect(await codeOf(issueApiKey(tenantOf(db, { tenantId: tenant.id, userId: member }), { name: 'sneaky' }))).toBe(
      'PERMISSION_DENIED',
    );
  });
});

describe('the connectors table', () => {
  it('seed 003 columns and statuses exist', async () => {
    const { tenant, ownerId } = await provisionTenant(systemOf(db), {
      name: 'Cols',
      slug: slug('cols'),
      owner: { email: email('o') },
    });
    const row = await withTenantContext(db, { tenantId: tenant.id, userId: ownerId }, (_tx, scoped) =>
      scoped.tables.connectors.insert({
        name: 'GA',
        provider: 'google-analytics',
        status: 'ERROR',
        syncError: 'token expired',
      }),
    );
    expect(row).toMatchObject({ status: 'ERROR', enabled: false, syncError: 'token expired', config: {} });
    expect(
      await codeOf(
        withTenantContext(db, { tenantId: tenant.id }, (tx) =>
          tx.insert(connectors).values({ name: 'x', provider: 'y', status: 'BOGUS' as never }),
        ),
      ),
    ).toBeDefined();
  });
});
