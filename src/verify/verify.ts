import type { Database, RawSession } from '../db/database.ts';
import { sqlStateOf } from '../errors.ts';
import { summarize, type CheckItem, type VerifyReport } from './check.ts';
import { lintCatalogue, type LintOptions } from './lints/index.ts';
import { prepareProbeFixture, probeIsolation, removeProbeFixture, type ProbeFixture } from './probe.ts';

export interface VerifyOptions extends LintOptions {
  /** Run the live probe (attacks inside a rolled-back transaction). Default true. */
  probe?: boolean;
}

/**
 * The probe reports what it cannot do as failed items; should it stop on something unforeseen,
 * that is one more failure (the lints' findings stand), never a crash with no findings.
 */
async function probeOrReport(
  session: RawSession,
  options: VerifyOptions & { fixture?: ProbeFixture },
): Promise<CheckItem[]> {
  try {
    return await probeIsolation(session, options);
  } catch (error) {
    const state = sqlStateOf(error);
    return [
      {
        check: 'live probe',
        object: (options.schemas ?? ['public']).join(','),
        ok: false,
        detail: `The live probe stopped: ${error instanceof Error ? error.message : String(error)}${state ? ` (SQLSTATE ${state})` : ''}. The catalogue lints' findings stand; this is a gap in the probe: please report it with this message.`,
      },
    ];
  }
}

class RolledBack extends Error {
  constructor(readonly report: VerifyReport) {
    super('verify: rolled back');
  }
}

/**
 * Proves isolation on a live database: read-only catalogue lints, then the live probe. All of it
 * runs in one transaction that is always rolled back, so nothing is left behind (on Citus the
 * probe's two tenants are committed before it and deleted after it).
 *
 * @example
 * const report = await verify(db);
 * if (report.failed > 0) process.exitCode = 1;
 */
export async function verify(db: Database, options: VerifyOptions = {}): Promise<VerifyReport> {
  // On a Citus coordinator the probe's tenants (and any global rows it needs) are committed
  // first and deleted after: see ProbeFixture. Everything else is rolled back as elsewhere.
  let fixture: ProbeFixture | undefined;
  if (options.probe !== false && (await onCitus(db))) {
    fixture = await db.rawTransaction((session) => prepareProbeFixture(session, options));
  }
  try {
    await db.rawTransaction(async (session) => {
      const items = await lintCatalogue(session, options);
      if (options.probe !== false) items.push(...(await probeOrReport(session, { ...options, fixture })));
      throw new RolledBack(summarize(items));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.report;
    throw error;
  } finally {
    if (fixture !== undefined) await removeCommittedFixture(db, fixture);
  }
  throw new Error('unreachable: the verify transaction always rolls back');
}

/**
 * Deletes the Citus fixture. Its tenants' rows cascade over every distributed table; run in
 * parallel over the shards' connections, that cascade can meet itself in a distributed deadlock
 * (seen after a shard move), so it runs sequentially and is retried on a deadlock.
 */
async function removeCommittedFixture(db: Database, fixture: ProbeFixture): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.rawTransaction(async (session) => {
        await session.exec(`SET LOCAL citus.multi_shard_modify_mode = 'sequential'`);
        await removeProbeFixture(session, fixture);
      });
      return;
    } catch (error) {
      if (attempt >= 3 || sqlStateOf(error) !== '40P01') throw error;
    }
  }
}

async function onCitus(db: Database): Promise<boolean> {
  const [row] = await db.rawQuery<{ citus: boolean }>(
    `select exists (select 1 from pg_catalog.pg_extension where extname = 'citus') as citus`,
  );
  return row?.citus === true;
}
