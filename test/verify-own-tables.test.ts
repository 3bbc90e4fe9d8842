/**
 * `tenantdb verify` on a database that holds the user's own tables, on every backend:
 * (a) declared with tenantTable() and migrated with the contract: verify passes and attacks it;
 * (b) made by hand without the contract (no FORCE, no grants, an open permissive policy): verify
 *     returns failures naming the table and the lints, never throws, and the CLI exits 1 with
 *     them; tables the probe cannot write a sample row into are failures too, and the probe goes
 *     on with the others;
 * (c) a plain pgTable, neither tenant-scoped nor declared global: `table.declared-global`.
 * Each breakage is shown to be what makes verify fail: the same database without it passes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../examples/notes/main.ts';
import { notes } from '../examples/notes/schema.ts';
import { createDatabase, globalTable, migrate, schemaContract, type Database } from '../src/index.ts';
import * as tenantdbSchema from '../src/schema/index.ts';
import { ATTACK_VARIANTS, ATTACKS, verify, type VerifyReport } from '../src/verify/index.ts';
import { backend, connections, createTestDatabase, isCitus, isServer, type TestDatabase } from './helpers/backend.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/tenantdb.js', import.meta.url));

// (c): a table of the user's declared with plain pgTable: the contract skips it.
const settingsColumns = () => ({
  id: uuid('id').primaryKey().defaultRandom(),
  value: text('value').notNull(),
});
const settings = pgTable('settings', settingsColumns());
// The same table declared the way verify asks for.
const declaredSettings = globalTable('settings', settingsColumns(), { reason: 'app-wide settings, shared by tenants' });

const schema = { ...tenantdbSchema, notes, settings };

let test: TestDatabase | undefined;
const opened: Database[] = [];
let db: Database;
let url: string | undefined;

// Skipped on Citus: there verify also holds every tenant table to the distributed form (the
// citus lints), which these migrated-only and hand-made tables do not have by design; a user's
// own table distributed and verified on Citus is test/examples.test.ts (notes).
beforeAll(async () => {
  if (isCitus) return;
  if (backend === 'pglite') {
    db = await createDatabase({ embedded: true, schema });
    opened.push(db);
  } else {
    test = await createTestDatabase({ migrated: false });
    url = test.url as string;
    // The privileged connection migrates (split mode needs tenantdb_app before it can log in).
    const owner = await createDatabase({ url, schema });
    opened.push(owner);
    db = owner;
  }
  await migrate(db, { migrationsFolder: MIGRATIONS });
  if (connections === 'split') {
    db = await createDatabase({ url: url?.replace(/\/\/[^@/]*@/, '//tenantdb_app@'), systemUrl: url, schema });
    opened.push(db);
  }
});
afterAll(async () => {
  for (const d of opened) await d.close();
  await test?.dispose();
});

const exec = (sql: string) => db.rawTransaction((s) => s.exec(sql));
const failures = (report: VerifyReport) => report.items.filter((i) => !i.ok);
/** The ids of the failures, each once, sorted. */
const failedIds = (report: VerifyReport) => [...new Set(failures(report).map((i) => i.id ?? i.check))].sort();
/** Whether an item is about `table` (a lint names `public.x` or `public.x.policy`, an attack `x (A→B, …)`). */
const about = (table: string) => (item: { object: string }) =>
  item.object === `public.${table}` ||
  item.object.startsWith(`public.${table}.`) ||
  item.object.startsWith(`${table} (`) ||
  item.object.startsWith(`${table}.`);
const attacksOn = (report: VerifyReport, table: string) => report.items.filter((i) => i.attack && about(table)(i));
const log = (what: string, r: VerifyReport) =>
  console.log(
    `verify own tables [${backend}, ${connections}] ${what}: ${r.checks} checks, ${r.failed} failed; ${r.attacks} attacks, ${r.leaks} leaks`,
  );

/** Attacks on a tenant table with a primary key and no composite reference: every attack but the reference one. */
const attacksPerPlainTable = 2 * ATTACK_VARIANTS.length * ATTACKS.filter((a) => a.id !== 'reference-other-row').length;

it.skipIf(isCitus)(
  '(a) a table declared with tenantTable() and migrated with the contract: verify passes and attacks it',
  async () => {
    const report = await verify(db);
    log('with notes', report);
    expect(failures(report)).toEqual([]);
    expect(report.leaks).toBe(0);
    const onNotes = attacksOn(report, 'notes');
    expect(onNotes.length).toBe(attacksPerPlainTable);
    expect(new Set(onNotes.map((i) => i.id))).toEqual(
      new Set(ATTACKS.filter((a) => a.id !== 'reference-other-row').map((a) => `attack.${a.id}`)),
    );
  },
);

describe.skipIf(isCitus)('(b) a table made by hand', () => {
  /** The contract, spelled out by hand: what `tenantTable()` and migrate give a table. */
  const CONTRACT = {
    FORCE: (t: string) => `ALTER TABLE public.${t} FORCE ROW LEVEL SECURITY`,
    grants: (t: string) => `GRANT SELECT, INSERT, UPDATE, DELETE ON public.${t} TO tenantdb_app`,
    'the restrictive tenant policy': (t: string) =>
      `CREATE POLICY ${t}_tenant ON public.${t} AS RESTRICTIVE FOR ALL TO public
         USING (tenant_id = (select tenantdb.current_tenant_id()))
         WITH CHECK (tenant_id = (select tenantdb.current_tenant_id()))`,
  };
  type Piece = keyof typeof CONTRACT;
  const ALL = Object.keys(CONTRACT) as Piece[];

  /** A notes table made by hand: RLS enabled, an open permissive policy, and the pieces of the contract in `pieces`. */
  const byHand = (table: string, pieces: readonly Piece[], columns = 'title text NOT NULL') =>
    exec(
      [
        `CREATE TABLE public.${table} (
           tenant_id uuid NOT NULL DEFAULT tenantdb.current_tenant_id() REFERENCES public.tenants (id) ON DELETE CASCADE,
           id uuid NOT NULL DEFAULT gen_random_uuid(),
           ${columns},
           PRIMARY KEY (tenant_id, id))`,
        `ALTER TABLE public.${table} ENABLE ROW LEVEL SECURITY`,
        `CREATE POLICY ${table}_open ON public.${table} AS PERMISSIVE FOR ALL TO public USING (true) WITH CHECK (true)`,
        ...pieces.map((p) => CONTRACT[p](table)),
      ].join(';\n'),
    );

  afterEach(async () => {
    await exec(
      'DROP TABLE IF EXISTS public.hand_notes, public.rogue, public.hand_typed, public.hand_child, public.hand_ext',
    );
    await exec(`DELETE FROM tenantdb.global_tables WHERE table_name = 'public.hand_ext'`);
  });

  it('with the contract spelled out (FORCE, grants, a restrictive tenant policy): verify passes and attacks it', async () => {
    await byHand('hand_notes', ALL);
    const report = await verify(db);
    log('hand_notes with the contract', report);
    expect(failures(report)).toEqual([]);
    expect(attacksOn(report, 'hand_notes').length).toBe(attacksPerPlainTable);
  });

  const without: [Piece, string[], boolean][] = [
    ['FORCE', ['table.rls-forced'], false],
    ['grants', ['probe.sample-row'], false],
    // Without it the open policy lets every tenant in: the lints say so, and so do the attacks.
    [
      'the restrictive tenant policy',
      [
        ...ATTACKS.filter((a) => a.id !== 'reference-other-row').map((a) => `attack.${a.id}`),
        'policy.open-permissive-fenced',
        'policy.restrictive-tenant',
      ],
      true,
    ],
  ];
  it.each(without)('without %s: verify fails on hand_notes with %j', async (piece, ids, leaks) => {
    await byHand(
      'hand_notes',
      ALL.filter((p) => p !== piece),
    );
    const report = await verify(db);
    log(`hand_notes without ${piece}`, report);
    expect(failedIds(report)).toEqual([...ids].sort());
    expect(failures(report).filter((i) => !about('hand_notes')(i))).toEqual([]);
    expect(report.leaks > 0).toBe(leaks);
  });

  it('without the contract: findings naming the table and the lints, not an exception; the CLI exits 1 with them', async () => {
    await byHand('hand_notes', []);
    const report = await verify(db);
    log('hand_notes without the contract', report);
    expect(failedIds(report)).toEqual([
      'policy.open-permissive-fenced',
      'policy.restrictive-tenant',
      'probe.sample-row',
      'table.rls-forced',
    ]);
    expect(failures(report).every(about('hand_notes'))).toBe(true);
    const probe = failures(report).find((i) => i.id === 'probe.sample-row');
    expect(probe).toMatchObject({ object: 'public.hand_notes', check: 'probe writes a sample row' });
    expect(probe?.detail).toMatch(/permission denied for table hand_notes/);
    expect(probe?.detail).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON public\.hand_notes TO tenantdb_app/);
    expect(attacksOn(report, 'hand_notes')).toEqual([]);
    // The probe went on with the other tables.
    expect(attacksOn(report, 'notes').length).toBe(attacksPerPlainTable);

    if (!isServer) return; // the CLI opens its own database: a PGlite in memory is not shared
    const cli = spawnSync('node', [bin, 'verify', '--url', url as string], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, DATABASE_URL: undefined },
    });
    expect(cli.status, cli.stderr).toBe(1);
    expect(cli.stdout).toMatch(/FAILED \(4\)/);
    for (const id of ['table.rls-forced', 'policy.restrictive-tenant', 'probe.sample-row']) {
      expect(cli.stdout).toMatch(new RegExp(`^${id.replace('.', '\\.')}\\s+public\\.hand_notes\\s`, 'm'));
    }
    expect(cli.stdout).toMatch(/^policy\.open-permissive-fenced\s+public\.hand_notes\.hand_notes_open\s/m);
    expect(cli.stdout).toMatch(/checks, 4 failed; \d+ attacks tried, 0 leaks\./);
  });

  it('a table made with plain SQL (a nullable tenant_id, no RLS, no grants): every finding, no exception', async () => {
    await exec('CREATE TABLE public.rogue (id uuid PRIMARY KEY, tenant_id uuid, body text)');
    const report = await verify(db);
    log('rogue', report);
    expect(failedIds(report)).toEqual([
      'key.primary-includes-tenant',
      'key.tenant-leading-index',
      'policy.restrictive-tenant',
      'probe.sample-row',
      'table.rls-enabled',
      'table.rls-forced',
      'table.tenant-id-not-null',
    ]);
    expect(failures(report).every(about('rogue'))).toBe(true);
    // Each says what to do.
    const detail = (id: string) => failures(report).find((i) => i.id === id)?.detail;
    expect(detail('key.primary-includes-tenant')).toMatch(/make the primary key \(tenant_id, id\)/);
    expect(detail('probe.sample-row')).toMatch(/GRANT SELECT, INSERT, UPDATE, DELETE ON public\.rogue TO tenantdb_app/);
  });

  it('a sample row the probe cannot write (a type it has no value for, a reference it cannot satisfy) is a failure naming the table, the reason and the fix', async () => {
    const make = async (fixed: boolean) => {
      await byHand('hand_typed', ALL, `addr inet NOT NULL${fixed ? ` DEFAULT '127.0.0.1'` : ''}`);
      await exec(
        `CREATE TABLE public.hand_ext (id uuid PRIMARY KEY, addr inet NOT NULL);
         SELECT tenantdb.declare_global_table('public.hand_ext'::regclass, 'referenced by hand_child')`,
      );
      if (fixed) await exec(`INSERT INTO public.hand_ext VALUES (gen_random_uuid(), '127.0.0.1')`);
      await byHand('hand_child', ALL, 'ext_id uuid NOT NULL REFERENCES public.hand_ext (id)');
    };
    await make(false);
    const broken = await verify(db);
    log('hand_typed and hand_child, broken', broken);
    expect(failures(broken).map((i) => [i.id, i.object])).toEqual([
      ['probe.sample-row', 'public.hand_child'],
      ['probe.sample-row', 'public.hand_typed'],
    ]);
    const [child, typed] = failures(broken);
    expect(typed?.detail).toMatch(/required column addr \(inet\): give it a DEFAULT/);
    expect(child?.detail).toMatch(/references hand_ext \(hand_child_ext_id_fkey\), which has no row/);
    expect(attacksOn(broken, 'notes').length).toBe(attacksPerPlainTable); // and the probe went on

    await exec('DROP TABLE public.hand_child, public.hand_typed, public.hand_ext');
    await make(true);
    const fixed = await verify(db);
    log('hand_typed and hand_child, fixed', fixed);
    expect(failures(fixed)).toEqual([]);
    expect(attacksOn(fixed, 'hand_typed').length).toBe(attacksPerPlainTable);
    expect(attacksOn(fixed, 'hand_child').length).toBe(attacksPerPlainTable);
  });
});

it.skipIf(isCitus)(
  '(c) a plain pgTable, neither tenant-scoped nor declared global: table.declared-global, until declared',
  async () => {
    // On PGlite a fresh instance: PGlite 0.4 panics (ERRORDATA_STACK_SIZE exceeded) after some
    // thousands of caught errors in one instance, and the verify runs above refuse about 900
    // attacks each (see the closing note of issue 10).
    if (backend === 'pglite') {
      db = await createDatabase({ embedded: true, schema });
      opened.push(db);
      await migrate(db, { migrationsFolder: MIGRATIONS });
    }
    // The user's migrations folder: the notes migration and drizzle-kit's DDL for `settings`.
    const folder = mkdtempSync(`${tmpdir()}/tenantdb-own-`);
    try {
      cpSync(MIGRATIONS, folder, { recursive: true });
      writeFileSync(
        `${folder}/0001_settings.sql`,
        `CREATE TABLE "settings" (\n\t"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,\n\t"value" text NOT NULL\n);\n`,
      );
      const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as { entries: object[] };
      journal.entries.push({ idx: 1, version: '7', when: 1796113954029, tag: '0001_settings', breakpoints: true });
      writeFileSync(`${folder}/meta/_journal.json`, JSON.stringify(journal));
      expect((await migrate(db, { migrationsFolder: folder })).applied).toEqual(['0001_settings']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    const undeclared = await verify(db);
    log('with a plain pgTable', undeclared);
    expect(failures(undeclared)).toEqual([
      expect.objectContaining({ id: 'table.declared-global', object: 'public.settings' }),
    ]);
    expect(failures(undeclared)[0]?.detail).toMatch(/Declare it with tenantTable\(\).*or globalTable\(\)/);

    // Declared with globalTable(), its contract records the reason: verify passes.
    for (const statement of schemaContract({ declaredSettings })) await exec(statement);
    const declared = await verify(db);
    log('with settings declared global', declared);
    expect(failures(declared)).toEqual([]);
  },
);
