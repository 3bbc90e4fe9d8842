/** The real `tenantdb` binary and `npm start`, spawned as a user would run them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globalTables, provisionTenant, tenantTables, type Database } from '../src/index.ts';
import { bin, openTarget, run } from './helpers/cli.ts';
import { systemOf } from './helpers/tenants.ts';
import { ATTACKS } from '../src/verify/index.ts';
import { backend, createTestDatabase, isServer, type TestDatabase } from './helpers/backend.ts';

let t: TestDatabase | undefined; // for npm start
let fresh: TestDatabase | undefined; // for migrate
beforeAll(async () => {
  if (isServer) {
    t = await createTestDatabase({ migrated: false });
    fresh = await createTestDatabase({ migrated: false });
  }
});
afterAll(async () => {
  await t?.dispose();
  await fresh?.dispose();
});

describe('npm start (the demo)', () => {
  it(`runs end to end on ${isServer ? backend : 'embedded PGlite'}: every cross-tenant attempt refused, exit 0`, () => {
    const result = run('npm', ['start', '--silent'], isServer ? { DATABASE_URL: t?.url } : {});
    expect(result.stderr).not.toMatch(/LEAK/);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Alice    Acme Corporation');
    expect(result.stdout).toMatch(/Diana\s+Healthcare Co/);
    expect(result.stdout).not.toContain('LEAK');
    const summary = /(\d+) cross-tenant attempts, (\d+) refused, (\d+) leaks\./.exec(result.stdout);
    expect(summary).not.toBeNull();
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(10);
    expect(summary?.[2]).toBe(summary?.[1]);
    expect(summary?.[3]).toBe('0');
    // The attempts are verify's attack catalogue, each in three contexts, plus the application layer's.
    const attempts = result.stdout.slice(result.stdout.indexOf('8. Cross-tenant attempts'));
    const rows = attempts.split('\n').map((l) => l.trim().split(/\s{2,}/));
    for (const attack of ATTACKS) {
      for (const context of ["Bob's own (Acme)", 'no context', 'injected tenant id']) {
        const row = rows.find((r) => r[0]?.startsWith(attack.name) && r[1] === context);
        expect(row?.at(-1), `${attack.id}, ${context}`).toMatch(/^refused/);
      }
    }
    for (const code of ['NOT_A_MEMBER', 'TENANT_MISMATCH', 'INVALID_TENANT_ID']) expect(attempts).toContain(code);
    // Every user saw only their own tenant.
    for (const line of result.stdout.split('\n').filter((l) => /^\s+(Alice|Bob|Charlie|Diana)\s/.test(l))) {
      expect(
        line
          .trim()
          .split(/\s{2,}/)
          .at(-1),
      ).toBe('0');
    }
    // Rows per tenant: every tenant table has rows for each of the three sample tenants, seen in
    // each admin's own context, and no foreign row; every global table has rows.
    const section = result.stdout.slice(
      result.stdout.indexOf("4. Rows per tenant (as each tenant's admin, under RLS)"),
      result.stdout.indexOf('5. Knowledge'),
    );
    expect(section).toMatch(/every one with rows for every tenant; 0 foreign rows seen\./);
    const cells = (name: string) =>
      section
        .split('\n')
        .find((l) => l.trim().split(/\s{2,}/)[0] === name)
        ?.trim()
        .split(/\s{2,}/)
        .slice(1);
    for (const { name } of tenantTables()) {
      const counts = cells(name);
      expect(counts, name).toHaveLength(3);
      for (const n of counts ?? []) expect(Number(n), name).toBeGreaterThan(0);
    }
    for (const { name } of globalTables()) expect(Number(cells(name)?.[0]), name).toBeGreaterThan(0);
    expect(cells('tenants')?.slice(1)).toEqual(['1', '1', '1']);
    expect(cells('accounts')?.slice(1)).toEqual(['no access', 'no access', 'no access']);
    // Knowledge: each tenant's question finds its own document first; nothing of another tenant.
    const knowledge = result.stdout.slice(
      result.stdout.indexOf('5. Knowledge'),
      result.stdout.indexOf('6. Spend this month'),
    );
    for (const [tenant, title] of [
      ['Acme Corporation', 'Pricing and packaging 2025'],
      ['Tech Startup Inc', 'ADR-014: Extract billing from the monolith'],
      ['Healthcare Co', 'HIPAA compliance checklist'],
    ]) {
      const row = knowledge.split('\n').find((l) => l.trim().startsWith(tenant as string));
      expect(row?.trim().split(/\s{2,}/)[2], tenant).toBe(title);
    }
    expect(knowledge).toMatch(/\d+ results, 0 from another tenant's documents\./);
    // Spend: each tenant's month to date and budget, from the running totals the database kept as
    // the sample costs were recorded, and the alerts it raised on the way (daily budgets).
    const spend = result.stdout.slice(
      result.stdout.indexOf('6. Spend this month'),
      result.stdout.indexOf('7. Agent tasks'),
    );
    const raised: number[] = [];
    for (const [tenant, budget] of [
      ['Acme Corporation', '18.00 USD'],
      ['Tech Startup Inc', '15.00 USD'],
      ['Healthcare Co', '5.00 USD'],
    ]) {
      const cellsOf = spend
        .split('\n')
        .find((l) => l.trim().startsWith(tenant as string))
        ?.trim()
        .split(/\s{2,}/);
      expect(cellsOf?.[1], tenant).toMatch(/^\d+\.\d{6} USD$/);
      expect(cellsOf?.[2], tenant).toMatch(/^\d+\.\d{6} USD$/);
      expect(cellsOf?.[4], tenant).toBe(budget);
      const counts = /^(\d+) daily, (\d+) weekly, (\d+) monthly$/.exec(cellsOf?.[7] ?? '');
      expect(counts, tenant).not.toBeNull();
      raised.push(Number(counts?.[1]));
    }
    expect(raised.some((n) => n > 0)).toBe(true);
    // Agent tasks: each tenant's two tasks completed by the worker, their results read back by the
    // tenant's admin, each handler having run in its own tenant's context.
    const agentTasks = result.stdout.slice(
      result.stdout.indexOf('7. Agent tasks'),
      result.stdout.indexOf('8. Cross-tenant attempts'),
    );
    for (const tenant of ['Acme Corporation', 'Tech Startup Inc', 'Healthcare Co']) {
      const rows = agentTasks
        .split('\n')
        .filter((l) => l.trim().startsWith(tenant))
        .map((l) => l.trim().split(/\s{2,}/));
      expect(
        rows.map((r) => [r[1], r[2], r[3], r.at(-1)]),
        tenant,
      ).toEqual([
        ['report.weekly', 'completed', 'cmo', '0'],
        ['forecast.monthly', 'completed', 'cfo', '0'],
      ]);
      for (const r of rows) expect(r[5], tenant).toMatch(/^0\.\d{6} USD$/);
    }
  });
});

describe('tenantdb CLI', () => {
  it('--help lists the commands; an unknown command exits 2', () => {
    const help = run('node', [bin, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/migrate[\s\S]*seed[\s\S]*demo/);
    const unknown = run('node', [bin, 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command');
  });

  it('a bad option is a clear error, exit 1', () => {
    const result = run('node', [bin, 'migrate', '--url']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--url needs a value');
  });

  it.skipIf(!isServer)('migrate twice against a server: the second run changes nothing', () => {
    const first = run('node', [bin, 'migrate', '--url', fresh?.url as string]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/applied \d+/);
    const second = run('node', [bin, 'migrate', '--url', fresh?.url as string]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('nothing to do');
    const health = run('node', [bin, 'health', '--json', '--url', fresh?.url as string]);
    expect(health.code, health.stderr).toBe(0);
    expect(JSON.parse(health.stdout)).toMatchObject({ ok: true, migrations: { pending: 0 } });
  });

  it('seed is idempotent on a persistent PGlite data directory', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/tenantdb-cli-`);
    try {
      const first = run('node', [bin, 'seed', '--data-dir', dir]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('created Acme Corporation');
      const second = run('node', [bin, 'seed', '--data-dir', dir]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toContain('kept Acme Corporation');
      expect(second.stdout).toContain('nothing to do');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('knowledge ingest: a directory or JSON Lines into one tenant, with progress; bad input writes nothing', async () => {
    const { mkdtempSync, mkdirSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/tenantdb-ingest-`);
    const server = isServer ? await createTestDatabase() : undefined;
    const target = server ? ['--url', server.url as string] : ['--data-dir', `${dir}/db`];
    const open = <T>(fn: (db: Database) => Promise<T>) => openTarget(server, `${dir}/db`, fn);
    try {
      if (!server) expect(run('node', [bin, 'migrate', ...target]).code).toBe(0);
      const tenantId = await open(
        async (db) => (await provisionTenant(systemOf(db), { name: 'Ingest', slug: `ingest-${Date.now()}` })).tenant.id,
      );
      mkdirSync(`${dir}/docs`);
      writeFileSync(`${dir}/docs/refunds.md`, '# Refund policy\n\nRefunds take a week. A receipt is required.\n');
      writeFileSync(`${dir}/docs/shipping.txt`, 'Shipping is free above 150 dollars.\n');
      writeFileSync(`${dir}/docs/ignored.png`, 'not a document');
      const lines = Array.from({ length: 120 }, (_, i) =>
        JSON.stringify({ title: `Note ${i}`, content: `Note number ${i}.` }),
      );
      writeFileSync(`${dir}/notes.jsonl`, `${lines.join('\n')}\n`);
      writeFileSync(`${dir}/bad.jsonl`, `${lines[0]}\n{"title": "no content"}\n`);
      const fromDir = run('node', [bin, 'knowledge', 'ingest', `${dir}/docs`, '--tenant', tenantId, ...target]);
      expect(fromDir.code, fromDir.stderr).toBe(0);
      expect(fromDir.stdout).toContain('done: 2 documents, 2 chunks');
      const fromJsonl = run('node', [
        bin,
        'knowledge',
        'ingest',
        `${dir}/notes.jsonl`,
        '--tenant',
        tenantId,
        ...target,
      ]);
      expect(fromJsonl.code, fromJsonl.stderr).toBe(0);
      // Not a terminal: a progress line per tenth, and one at the end.
      expect(fromJsonl.stderr).toContain('ingested 120/120 (100%)');
      const bad = run('node', [bin, 'knowledge', 'ingest', `${dir}/bad.jsonl`, '--tenant', tenantId, ...target]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/INVALID_INPUT: addDocuments: content is required.*\(document 1\)/);
      expect(run('node', [bin, 'knowledge', 'ingest', `${dir}/docs`, ...target]).stderr).toContain('--tenant');
      expect(run('node', [bin, 'knowledge', 'frob', ...target]).stderr).toContain('usage: tenantdb knowledge ingest');
      const titles = await open((db) =>
        db.rawQuery<{ title: string }>('select title from knowledge_documents where tenant_id = $1 order by title', [
          tenantId,
        ]),
      );
      expect(titles.length).toBe(122);
      expect(titles.map((r) => r.title)).toEqual(expect.arrayContaining(['Refund policy', 'shipping', 'Note 0']));
    } finally {
      await server?.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
