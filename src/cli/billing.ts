/**
 * The billing cron commands: `tenantdb rollup [--period day|week|month] [--since DATE]` and
 * `tenantdb budgets check [--mark-sent]`. Progress on stderr, the report on stdout (or JSON).
 */
import { PERIODS, type CheckBudgetsResult, type Period, type RollupResult } from '../billing/index.ts';
import { createSystemClient } from '../client/system-client.ts';
import { ConfigError } from '../errors.ts';
import type { CliOptions } from './args.ts';
import { describeTarget, requireMigrated, withDatabase } from './connection.ts';
import { progressBar } from './progress.ts';

const ROLLUP_USAGE = 'usage: tenantdb rollup [--period day|week|month] [--since YYYY-MM-DD]';
const BUDGETS_USAGE = 'usage: tenantdb budgets check [--mark-sent]';

/** `tenantdb rollup`: the incremental cost rollup (or, with --since, a rebuild from the events). */
export async function rollupCommand(options: CliOptions): Promise<number> {
  if (options.args.length > 0) throw new ConfigError('CONFIG_INVALID', ROLLUP_USAGE);
  if (options.period !== undefined && !(PERIODS as readonly string[]).includes(options.period)) {
    throw new ConfigError('CONFIG_INVALID', `rollup: --period must be day, week or month (${ROLLUP_USAGE})`);
  }
  const since = options.since === undefined ? undefined : new Date(options.since);
  if (since !== undefined && Number.isNaN(since.getTime())) {
    throw new ConfigError('CONFIG_INVALID', `rollup: --since must be a date such as 2026-01-01 (${ROLLUP_USAGE})`);
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (!options.json) say(`tenantdb rollup: ${describeTarget(options)}`);
  const periods = options.period === undefined ? PERIODS : [options.period as Period];
  const bar = progressBar('  periods');
  const started = Date.now();
  const results: RollupResult[] = await withDatabase(options, async (db) => {
    await requireMigrated(db, 'rollup');
    const system = createSystemClient(db, { reason: 'tenantdb rollup' });
    let done = 0;
    return system.billing.rollupCosts({
      ...(options.period === undefined ? {} : { period: options.period as Period }),
      ...(since === undefined ? {} : { since }),
      onProgress: () => bar.update(++done, periods.length),
    });
  });
  if (options.json) say(JSON.stringify(results));
  else {
    for (const r of results) say(`  ${r.period}: ${r.summaries} summaries written (${r.mode})`);
    say(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return 0;
}

/** `tenantdb budgets check`: re-evaluates the budgets and prints the alerts whose notification is due. */
export async function budgetsCommand(options: CliOptions): Promise<number> {
  if (options.args.length !== 1 || options.args[0] !== 'check') throw new ConfigError('CONFIG_INVALID', BUDGETS_USAGE);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (!options.json) say(`tenantdb budgets check: ${describeTarget(options)}`);
  const evaluated = progressBar('  tenants');
  const delivered = progressBar('  notifications');
  const result: CheckBudgetsResult = await withDatabase(options, async (db) => {
    await requireMigrated(db, 'budgets check');
    const system = createSystemClient(db, { reason: 'tenantdb budgets check' });
    return system.billing.checkBudgets({
      // --mark-sent: printing is the delivery (cron mails stdout); each alert is printed and counted once.
      ...(options.markSent ? { onAlert: () => {} } : {}),
      onProgress: (p) => (p.step === 'evaluated' ? evaluated : delivered).update(p.done, p.total),
    });
  });
  if (options.json) {
    say(JSON.stringify({ tenants: result.tenants, pending: result.pending, delivered: result.delivered }));
    return 0;
  }
  say(`  ${result.tenants} tenants with budgets re-evaluated; ${result.pending.length} notifications due`);
  for (const a of result.pending) {
    say(
      `  ${a.severity.toUpperCase()} tenant ${a.tenantId}: ${a.period} spend ${a.currentSpend} USD reached ${a.thresholdPercent}% (${a.threshold} USD) of the budget for the period from ${a.periodStart.toISOString()}${a.resolved ? ' (resolved since)' : ''}`,
    );
  }
  if (options.markSent) say(`  ${result.delivered} marked sent`);
  return 0;
}
