import type { Database, RawSession } from '../db/database.ts';
import { sqlStateOf } from '../errors.ts';
import { summarize, type CheckItem, type VerifyReport } from './check.ts';
import { lintCatalogue, type LintOptions } from './lints/index.ts';
import { probeIsolation } from './probe.ts';

export interface VerifyOptions extends LintOptions {
  /** Run the live probe (attacks inside a rolled-back transaction). Default true. */
  probe?: boolean;
}

/**
 * The probe reports what it cannot do as failed items; should it stop on something unforeseen,
 * that is one more failure (the lints' findings stand), never a crash with no findings.
 */
async function probeOrReport(session: RawSession, options: VerifyOptions): Promise<CheckItem[]> {
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
 * runs in one transaction that is always rolled back, so nothing is left behind.
 *
 * @example
 * const report = await verify(db);
 * if (report.failed > 0) process.exitCode = 1;
 */
export async function verify(db: Database, options: VerifyOptions = {}): Promise<VerifyReport> {
  try {
    await db.rawTransaction(async (session) => {
      const items = await lintCatalogue(session, options);
      if (options.probe !== false) items.push(...(await probeOrReport(session, options)));
      throw new RolledBack(summarize(items));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.report;
    throw error;
  }
  throw new Error('unreachable: the verify transaction always rolls back');
}
