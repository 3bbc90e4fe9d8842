import type { Database } from '../db/database.ts';
import { summarize, type VerifyReport } from './check.ts';
import { lintCatalogue, type LintOptions } from './lints/index.ts';
import { probeIsolation } from './probe.ts';

export interface VerifyOptions extends LintOptions {
  /** Run the live probe (attacks inside a rolled-back transaction). Default true. */
  probe?: boolean;
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
      if (options.probe !== false) items.push(...(await probeIsolation(session, options)));
      throw new RolledBack(summarize(items));
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.report;
    throw error;
  }
  throw new Error('unreachable: the verify transaction always rolls back');
}
