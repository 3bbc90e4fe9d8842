/**
 * `tenantdb usage snapshot` (src/cli/usage.ts, runUsageSnapshot): the job over the command line's
 * range, progress on stderr, the summary (or JSON) on stdout, and typed errors for a bad command line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUsageSnapshot } from '../../src/cli/usage.ts';
import { createDatabase, migrate } from '../../src/index.ts';
import { usage } from '../../src/usage/index.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/backend.ts';
import { codeOf, ownerContext, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase | undefined;
let dataDir: string | undefined;
/** The command line's connection: the test database's URL, or a PGlite data directory. */
let target: string[];
let tenantId: string;

beforeAll(async () => {
  if (backend === 'pglite') {
    dataDir = mkdtempSync(join(tmpdir(), 'tenantdb-usage-cli-'));
    const db = await createDatabase({ dataDir });
    await migrate(db);
    tenantId = (await ownerContext(db, 'Usage CLI')).tenantId;
    await db.close();
    target = ['--data-dir', dataDir];
  } else {
    t = await createTestDatabase();
    tenantId = (await ownerContext(t.db, 'Usage CLI')).tenantId;
    target = ['--url', t.url as string];
  }
});
afterAll(async () => {
  await t?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function capture() {
  const out = { stdout: '', stderr: '' };
  const sink = (key: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        out[key] += chunk.toString();
        done();
      },
    });
  return { out, io: { stdout: sink('stdout'), stderr: sink('stderr') as unknown as NodeJS.WriteStream } };
}

describe('tenantdb usage snapshot', () => {
  it('snapshots the range for every tenant, with progress on stderr and the summary on stdout', async () => {
    const { out, io } = capture();
    const code = await runUsageSnapshot(['snapshot', '--from', '2025-03-10', '--to=2025-03-11', ...target], io);
    expect(code).toBe(0);
    expect(out.stdout).toMatch(/^tenantdb usage snapshot: /);
    expect(out.stdout).toMatch(/done: 2025-03-10\.\.2025-03-11, 1 tenants × 2 days = 2 snapshots, 2 changed in /);
    expect(out.stderr).toBe('  days 2/2 (100%)\n');

    const again = capture();
    expect(
      await runUsageSnapshot(['snapshot', '--json', '--from', '2025-03-10', '--to', '2025-03-11', ...target], again.io),
    ).toBe(0);
    expect(JSON.parse(again.out.stdout)).toEqual({
      from: '2025-03-10',
      to: '2025-03-11',
      tenants: 1,
      days: 2,
      rows: 2,
      changed: 0,
    });
    if (t) {
      const report = await usage(tenantOf(t.db, { tenantId }), { from: '2025-03-10', to: '2025-03-11' });
      expect(report.snapshots.map((s) => s.date)).toEqual(['2025-03-10', '2025-03-11']);
    }
  });

  it('refuses a bad command line (CONFIG_INVALID) and a bad range (INVALID_INPUT)', async () => {
    const { io } = capture();
    for (const argv of [
      [],
      ['refresh'],
      ['snapshot', '--from'],
      ['snapshot', '--to', '--json'],
      ['snapshot', '--tenant', tenantId],
    ]) {
      expect(await codeOf(runUsageSnapshot(argv, io)), argv.join(' ')).toBe('CONFIG_INVALID');
    }
    expect(
      await codeOf(runUsageSnapshot(['snapshot', '--from', '2025-03-11', '--to', '2025-03-10', ...target], io)),
    ).toBe('INVALID_INPUT');
  });
});
