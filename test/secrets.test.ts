/** Envelope encryption of connector credentials with per-tenant data keys. */
import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, provisionTenant, withSystemContext, withTenantContext, type TenantContext } from '../src/index.ts';
import { connectors, tenants } from '../src/schema/index.ts';
import {
  ensureTenantDataKey,
  getConnectorCredentials,
  setConnectorCredentials,
} from '../src/secrets/connector-credentials.ts';
import { decryptSecret, masterKey, masterKeyFromEnv, unwrapDataKey } from '../src/secrets/envelope.ts';
import { codeOf, systemOf, tenantOf } from './helpers/tenants.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from './helpers/backend.ts';

let t: TestDatabase;
let db: TestDb;
const master = masterKey(randomBytes(32).toString('base64'), 'test');
const secret = { apiKey: 'sk_live_VERY_SECRET_VALUE', account: 'acct_1' };

async function tenantWithConnector(label: string) {
  const stamp = randomUUID().slice(0, 8);
  const { tenant, ownerId } = await provisionTenant(systemOf(db), {
    name: label,
    slug: `sec-${label}-${stamp}`,
    owner: { email: `${label}-${stamp}@example.test` },
  });
  const ctx: TenantContext = { tenantId: tenant.id, userId: ownerId };
  await ensureTenantDataKey(systemOf(db), tenant.id, master);
  const connector = await withTenantContext(db, ctx, (_tx, scoped) =>
    scoped.tables.connectors.insert({ name: 'Stripe', provider: 'stripe' }),
  );
  return { ctx, connectorId: connector.id };
}

const storedCiphertext = (tenantId: string, connectorId: string) =>
  withSystemContext(
    db,
    async (tx) =>
      (
        await tx
          .select({ c: connectors.credentialsEncrypted })
          .from(connectors)
          .where(sql`${connectors.tenantId} = ${tenantId} and ${connectors.id} = ${connectorId}`)
      )[0]?.c,
  );

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

describe('connector credentials', () => {
  it('round-trips, and the database holds neither the secret nor the data key in clear', async () => {
    const a = await tenantWithConnector('a');
    await setConnectorCredentials(tenantOf(db, a.ctx), a.connectorId, secret, master);
    expect(await getConnectorCredentials(tenantOf(db, a.ctx), a.connectorId, master)).toEqual(secret);
    const stored = await storedCiphertext(a.ctx.tenantId, a.connectorId);
    expect(stored).toMatch(/^enc:v1:/);
    expect(stored).not.toContain('VERY_SECRET');
    const [tenant] = await withSystemContext(db, (tx) =>
      tx.select().from(tenants).where(eq(tenants.id, a.ctx.tenantId)),
    );
    expect(tenant?.wrappedDataKey).toMatch(/^v1:test:/);
  });

  it('a data key is created once (idempotent)', async () => {
    const a = await tenantWithConnector('b');
    const read = async () =>
      (await withSystemContext(db, (tx) => tx.select().from(tenants).where(eq(tenants.id, a.ctx.tenantId))))[0]
        ?.wrappedDataKey;
    const first = await read();
    await ensureTenantDataKey(systemOf(db), a.ctx.tenantId, master);
    expect(await read()).toBe(first);
  });

  it("a ciphertext copied to another row or another tenant does not decrypt, even with that tenant's key", async () => {
    const a = await tenantWithConnector('c');
    const b = await tenantWithConnector('d');
    await setConnectorCredentials(tenantOf(db, a.ctx), a.connectorId, secret, master);
    const stolen = (await storedCiphertext(a.ctx.tenantId, a.connectorId)) as string;
    await withSystemContext(db, (tx) =>
      tx
        .update(connectors)
        .set({ credentialsEncrypted: stolen })
        .where(sql`${connectors.tenantId} = ${b.ctx.tenantId} and ${connectors.id} = ${b.connectorId}`),
    );
    expect(await codeOf(getConnectorCredentials(tenantOf(db, b.ctx), b.connectorId, master))).toBe('INVALID_INPUT');
    // The attack works only with A's key and A's binding, which B never has.
    const [row] = await withSystemContext(db, (tx) => tx.select().from(tenants).where(eq(tenants.id, a.ctx.tenantId)));
    const aKey = unwrapDataKey(master, a.ctx.tenantId, row?.wrappedDataKey as string);
    expect(JSON.parse(decryptSecret(aKey, stolen, `connectors:${a.ctx.tenantId}:${a.connectorId}`))).toEqual(secret);
  });

  it('the wrong master key fails loudly; a member without connectors:manage cannot set credentials', async () => {
    const a = await tenantWithConnector('e');
    await setConnectorCredentials(tenantOf(db, a.ctx), a.connectorId, secret, master);
    expect(
      await codeOf(
        getConnectorCredentials(
          tenantOf(db, a.ctx),
          a.connectorId,
          masterKey(randomBytes(32).toString('base64'), 'test'),
        ),
      ),
    ).toBe('INVALID_INPUT');
    expect(
      await codeOf(
        getConnectorCredentials(
          tenantOf(db, a.ctx),
          a.connectorId,
          masterKey(randomBytes(32).toString('base64'), 'other'),
        ),
      ),
    ).toBe('CONFIG_INVALID');
    const member = await addMember(systemOf(db), a.ctx.tenantId, { email: `m-${randomUUID()}@example.test` }, 'member');
    expect(
      await codeOf(
        setConnectorCredentials(
          tenantOf(db, { tenantId: a.ctx.tenantId, userId: member }),
          a.connectorId,
          secret,
          master,
        ),
      ),
    ).toBe('PERMISSION_DENIED');
  });

  it('the master key comes from TENANTDB_MASTER_KEY, validated', () => {
    expect(() => masterKeyFromEnv({})).toThrow(/TENANTDB_MASTER_KEY/);
    expect(() => masterKeyFromEnv({ TENANTDB_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/32 bytes/);
    expect(masterKeyFromEnv({ TENANTDB_MASTER_KEY: `k2:${randomBytes(32).toString('base64')}` }).id).toBe('k2');
  });
});
