/**
 * The scoped API's shape and its guarantees: what a tenant and a system client expose (tables
 * under `tables`, modules under namespaces, nothing a table name could shadow), module calls that
 * join the caller's transaction, scopes of the wrong kind refused, and unique violations as typed
 * ALREADY_EXISTS errors naming their constraint.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  createDatabase,
  createRole,
  createSystemClient,
  createTenantClient,
  issueApiKey,
  provisionTenant,
  tenantTable,
  TenantDbError,
  verifyApiKey,
  withSystemContext,
  withTenantContext,
  type TenantScope,
} from '../src/index.ts';
import * as schema from '../src/schema/index.ts';
import { apiKeys, tenants, usageSnapshots, users } from '../src/schema/index.ts';
import { backend, createTestDatabase, type TestDatabase, type TestDb } from './helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from './helpers/tenants.ts';

/** A tenant client's own keys: its scope, its verbs and one namespace per module, nothing else. */
const CLIENT_KEYS = [
  'kind',
  'context',
  'tables',
  'transaction',
  'statement',
  'run',
  'query',
  'apiKeys',
  'rbac',
  'secrets',
  'knowledge',
  'billing',
  'usage',
  'analytics',
  'tasks',
  'conversations',
].sort();

let t: TestDatabase;
let db: TestDb;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

class Rollback extends Error {}

/** What a promise rejects with (undefined when it resolves). */
const rejectionOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** The API keys of a tenant with this name, counted in the system context (ground truth). */
const keysNamed = (name: string) =>
  withSystemContext(db, async (tx) => (await tx.select().from(apiKeys).where(eq(apiKeys.name, name))).length, {
    reason: 'scopes test: count keys',
  });

describe('client shape', () => {
  it("a tenant client's own keys are exactly its scope, its verbs and its module namespaces", async () => {
    const ctx = await ownerContext(db, 'Shape');
    const tenant = createTenantClient(db, ctx);
    expect(Object.keys(tenant).sort()).toEqual(CLIENT_KEYS);
    expect(tenant.kind).toBe('tenant');
    expect(tenant.context).toEqual({ tenantId: ctx.tenantId, userId: ctx.userId });
    // Tables are under `tables`, never at the top level.
    expect(Object.keys(tenant.tables)).toEqual(expect.arrayContaining(['conversations', 'messages', 'apiKeys']));
    expect('messages' in tenant).toBe(false);
    expect(typeof tenant.tables.conversations.findMany).toBe('function');
    // Modules are under their namespaces; one named like a table (apiKeys, conversations) is the
    // module, never the table's verbs.
    expect(Object.keys(tenant.apiKeys).sort()).toEqual(['issue', 'revoke']);
    expect(Object.keys(tenant.conversations).sort()).toEqual(['list', 'messages']);
    expect('findMany' in tenant.conversations).toBe(false);
    expect(Object.keys(tenant.rbac).sort()).toEqual(['assignRole', 'can', 'createRole', 'listMembers', 'require']);
    expect(Object.keys(tenant.secrets).sort()).toEqual(['getConnectorCredentials', 'setConnectorCredentials']);
    for (const verb of ['query', 'run', 'transaction'] as const) expect(typeof tenant[verb]).toBe('function');
  });

  it("withTenantContext's scope is a tenant scope: context (with status), kind, tables, transaction, statement", async () => {
    const ctx = await ownerContext(db, 'ScopeShape');
    const keys = await withTenantContext(db, ctx, async (_tx, scope) => {
      expect(scope.kind).toBe('tenant');
      expect(scope.context).toEqual({ tenantId: ctx.tenantId, userId: ctx.userId, status: 'ACTIVE' });
      expect(typeof scope.tables.conversations.insert).toBe('function');
      return Object.keys(scope).sort();
    });
    expect(keys).toEqual(['context', 'kind', 'statement', 'tables', 'transaction']);
  });

  it("a system client's own keys are its scope and its module namespaces", () => {
    const system = createSystemClient(db, { reason: 'scopes test: shape' });
    expect(Object.keys(system).sort()).toEqual([
      'apiKeys',
      'billing',
      'kind',
      'knowledge',
      'reason',
      'secrets',
      'statement',
      'tasks',
      'tenants',
      'transaction',
      'usage',
    ]);
    expect(system.kind).toBe('system');
    expect(system.reason).toBe('scopes test: shape');
    expect(Object.keys(system.tenants).sort()).toEqual(['addMember', 'provision', 'setStatus', 'setTimeZone']);
    expect(Object.keys(system.billing).sort()).toEqual([
      'checkBudgets',
      'rebuildCostTotals',
      'rollupCosts',
      'setBudget',
    ]);
    expect(Object.keys(system.apiKeys)).toEqual(['verify']);
    expect(Object.keys(system.secrets)).toEqual(['ensureTenantDataKey']);
    expect(Object.keys(system.usage)).toEqual(['snapshot']);
    expect(Object.keys(system.tasks).sort()).toEqual([
      'cancel',
      'claim',
      'complete',
      'completeAndClaim',
      'counts',
      'fail',
      'heartbeat',
      'list',
      'release',
      'retry',
    ]);
    expect(() => createSystemClient(db, { reason: ' ' })).toThrow(/reason/);
  });

  it('a table exported as `query` cannot shadow client.query: it is client.tables.query', async () => {
    // Declared here, not at module level, so this file's migration never sees it; it is never
    // migrated and never queried: only the client's shape is checked.
    const shadowQuery = tenantTable('shadow_query', { note: text('note') });
    const shadowed = await createDatabase(
      t.url === undefined
        ? { embedded: true, schema: { ...schema, query: shadowQuery } }
        : { url: t.url, schema: { ...schema, query: shadowQuery } },
    );
    try {
      const ctx = { tenantId: randomUUID(), userId: randomUUID() };
      const client = createTenantClient(shadowed, ctx);
      expect(Object.keys(client).sort()).toEqual(CLIENT_KEYS);
      expect(Object.keys(client.tables)).toContain('query');
      expect(typeof client.tables.query.findMany).toBe('function');
      expect(client.query).not.toBe(client.tables.query as unknown);
      expect(typeof client.query).toBe('function');
      // The verb is still the one that runs SQL (a function of text and params), not a table.
      expect(client.query.length).toBe(2);
      expect('findMany' in client.query).toBe(false);
    } finally {
      await shadowed.close();
    }
  });
});

describe('scopes of the wrong kind are refused before any SQL', () => {
  it('a tenant module given a system scope, or a system module given a tenant scope', async () => {
    const ctx = await ownerContext(db, 'WrongKind');
    const system = systemOf(db);
    const tenant = tenantOf(db, ctx);
    expect(await codeOf(issueApiKey(system as unknown as TenantScope, { name: 'x' }))).toBe('TENANT_CONTEXT_MISSING');
    expect(await codeOf(createRole(system as unknown as TenantScope, { name: 'x', permissions: [] }))).toBe(
      'TENANT_CONTEXT_MISSING',
    );
    const slug = `wrong-${randomUUID().slice(0, 8)}`;
    expect(await codeOf(provisionTenant(tenant as never, { name: 'Wrong', slug }))).toBe('SYSTEM_CONTEXT_FORBIDDEN');
    expect(await codeOf(verifyApiKey(tenant as never, 'tdb_00000000_x'))).toBe('SYSTEM_CONTEXT_FORBIDDEN');
    expect(await codeOf(addMember(db as never, ctx.tenantId, { email: 'x@example.test' }))).toBe(
      'SYSTEM_CONTEXT_FORBIDDEN',
    );
    const [n] = await db.rawQuery<{ n: number }>('select count(*)::int as n from tenants where slug = $1', [slug]);
    expect(n?.n).toBe(0);
  });
});

describe("module calls join the caller's transaction", () => {
  it('issueApiKey(scope) inside withTenantContext is rolled back with the caller; without the throw it commits', async () => {
    const ctx = await ownerContext(db, 'Compose');
    const name = `composed-${randomUUID()}`;
    let secret = '';
    const error = await rejectionOf(
      withTenantContext(db, ctx, async (_tx, scope) => {
        const issued = await issueApiKey(scope, { name });
        secret = issued.secret;
        // Written in this very transaction: visible here before it commits.
        expect(await scope.tables.apiKeys.count(eq(apiKeys.id, issued.id))).toBe(1);
        throw new Rollback('the caller changes its mind');
      }),
    );
    expect(error).toBeInstanceOf(Rollback);
    expect(secret).not.toBe('');
    expect(await keysNamed(name)).toBe(0);
    expect(await verifyApiKey(systemOf(db), secret)).toBeUndefined();

    // The control: the same call, the caller's transaction commits, and so does the key.
    const kept = await withTenantContext(db, ctx, (_tx, scope) => issueApiKey(scope, { name }));
    expect(await keysNamed(name)).toBe(1);
    expect((await verifyApiKey(systemOf(db), kept.secret))?.tenantId).toBe(ctx.tenantId);
  });

  it("a tenant client's transaction() hands out a scope that joins it too", async () => {
    const ctx = await ownerContext(db, 'ComposeClient');
    const tenant = tenantOf(db, ctx);
    const name = `client-composed-${randomUUID()}`;
    const error = await rejectionOf(
      tenant.transaction(async (_tx, scope) => {
        await issueApiKey(scope, { name });
        await scope.tables.conversations.insert({ title: 'with the key' });
        throw new Rollback('roll back both');
      }),
    );
    expect(error).toBeInstanceOf(Rollback);
    expect(await keysNamed(name)).toBe(0);
    expect(await tenant.tables.conversations.count(eq(schema.conversations.title, 'with the key'))).toBe(0);
  });

  it('provisionTenant and addMember inside withSystemContext are rolled back with the caller', async () => {
    const slug = `composed-${randomUUID().slice(0, 8)}`;
    const email = `composed-${randomUUID().slice(0, 8)}@example.test`;
    const error = await rejectionOf(
      withSystemContext(
        db,
        async (_tx, system) => {
          const { tenant } = await provisionTenant(system, { name: 'Composed', slug });
          await addMember(system, tenant.id, { email });
          throw new Rollback('not this one');
        },
        { reason: 'scopes test: composed provisioning' },
      ),
    );
    expect(error).toBeInstanceOf(Rollback);
    const [counts] = await db.rawQuery<{ tenants: number; users: number }>(
      `select (select count(*)::int from tenants where slug = $1) as tenants,
              (select count(*)::int from users where email = $2) as users`,
      [slug, email],
    );
    expect(counts).toEqual({ tenants: 0, users: 0 });
  });
});

describe('a unique violation is ALREADY_EXISTS, naming the constraint', () => {
  const alreadyExists = (error: unknown, constraint: string) => {
    expect(error).toBeInstanceOf(TenantDbError);
    expect((error as TenantDbError).code).toBe('ALREADY_EXISTS');
    expect((error as TenantDbError).sqlState).toBe('23505');
    expect((error as TenantDbError).constraint).toBe(constraint);
  };

  it('a second usage snapshot of the same day, through a tenant client and inside withTenantContext', async () => {
    const ctx = await ownerContext(db, 'Usage');
    const tenant = tenantOf(db, ctx);
    const day = '2026-03-14';
    await tenant.tables.usageSnapshots.insert({ date: day, apiCalls: 1 });
    alreadyExists(
      await rejectionOf(tenant.tables.usageSnapshots.insert({ date: day, apiCalls: 2 })),
      'usage_snapshots_tenant_date_key',
    );
    alreadyExists(
      await rejectionOf(
        withTenantContext(db, ctx, (tx) => tx.insert(usageSnapshots).values({ date: day, apiCalls: 3 })),
      ),
      'usage_snapshots_tenant_date_key',
    );
    const rows = await tenant.tables.usageSnapshots.findMany({ where: eq(usageSnapshots.date, day) });
    expect(rows.map((r) => r.apiCalls)).toEqual([1]);
    // The key is per tenant: another tenant has its own snapshot of that day.
    const other = tenantOf(db, await ownerContext(db, 'UsageOther'));
    expect((await other.tables.usageSnapshots.insert({ date: day, apiCalls: 9 })).apiCalls).toBe(9);
  });

  it('a duplicate email (case-insensitive) in the system context; the message does not repeat the email', async () => {
    const email = `dup-${randomUUID().slice(0, 8)}@example.test`;
    const reason = { reason: 'scopes test: users' };
    await withSystemContext(db, (tx) => tx.insert(users).values({ email }), reason);
    const shouted = email.toUpperCase();
    for (const attempt of [
      () => withSystemContext(db, (tx) => tx.insert(users).values({ email: shouted }), reason),
      () => createSystemClient(db, reason).transaction((tx) => tx.insert(users).values({ email })),
    ]) {
      const error = await rejectionOf(attempt());
      alreadyExists(error, 'users_email_key');
      expect((error as Error).message).not.toContain(email);
      expect((error as Error).message.toLowerCase()).not.toContain(email.toLowerCase());
    }
    const [n] = await db.rawQuery<{ n: number }>('select count(*)::int as n from users where lower(email) = $1', [
      email,
    ]);
    expect(n?.n).toBe(1);
  });

  it("createRole keeps its own message, and names the constraint too (tenant client and caller's transaction)", async () => {
    const ctx = await ownerContext(db, 'Roles');
    const viaClient = await rejectionOf(tenantOf(db, ctx).rbac.createRole({ name: 'org_admin', permissions: [] }));
    alreadyExists(viaClient, 'roles_tenant_name_key');
    expect((viaClient as Error).message).toMatch(/already has a role named "org_admin"/);
    const inTransaction = await rejectionOf(
      withTenantContext(db, ctx, (_tx, scope) => createRole(scope, { name: 'org_member', permissions: [] })),
    );
    alreadyExists(inTransaction, 'roles_tenant_name_key');
    expect((inTransaction as Error).message).toMatch(/already has a role named "org_member"/);
  });

  it('a duplicate slug is still refused before the insert, with its own message', async () => {
    const slug = `slug-${randomUUID().slice(0, 8)}`;
    await provisionTenant(systemOf(db), { name: 'First', slug });
    const error = await rejectionOf(provisionTenant(systemOf(db), { name: 'Second', slug }));
    expect((error as TenantDbError).code).toBe('ALREADY_EXISTS');
    expect((error as Error).message).toMatch(/already exists; choose another slug/);
    const rows = await withSystemContext(db, (tx) => tx.select().from(tenants).where(eq(tenants.slug, slug)), {
      reason: 'scopes test: slug',
    });
    expect(rows.map((r) => r.name)).toEqual(['First']);
  });

  it(`raw SQL's unique violations are typed too (${backend})`, async () => {
    const ctx = await ownerContext(db, 'RawUnique');
    const tenant = tenantOf(db, ctx);
    await tenant.query(`insert into usage_snapshots (date) values ('2026-04-01')`);
    alreadyExists(
      await rejectionOf(tenant.query(`insert into usage_snapshots (date) values ($1)`, ['2026-04-01'])),
      'usage_snapshots_tenant_date_key',
    );
    alreadyExists(
      await rejectionOf(tenant.run((q) => q.execute(sql`insert into usage_snapshots (date) values ('2026-04-01')`))),
      'usage_snapshots_tenant_date_key',
    );
  });
});
