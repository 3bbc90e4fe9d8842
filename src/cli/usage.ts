import { createSystemClient } from '../client/system-client.ts';
import { ConfigError } from '../errors.ts';
import type { SnapshotUsageResult } from '../usage/index.ts';
import { parseArgs } from './args.ts';
import { describeTarget, requireMigrated, withDatabase } from './connection.ts';
import { progressBar } from './progress.ts';

const USAGE =
  'usage: tenantdb usage snapshot [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL] [--data-dir DIR] [--json]';

/** Where the command writes: its report on `stdout`, progress on `stderr`. */
export interface UsageCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/**
 * `tenantdb usage snapshot [--from DAY] [--to DAY]`: derives every tenant's daily usage snapshots
 * from the activity in the database (system work, see `snapshotUsage`), default yesterday and today,
 * with a progress line on stderr. `argv` is what follows `usage` on the command line
 * (`['snapshot', '--from', '2025-06-01']`); `--url`, `--data-dir` and `--json` work as for every
 * command. Resolves to the exit code.
 */
export async function runUsageSnapshot(
  argv: readonly string[],
  io: UsageCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const options = parseArgs(['usage', ...argv]);
  const { from, to } = options;
  if (options.args.length !== 1 || options.args[0] !== 'snapshot' || options.tenant !== undefined || options.global) {
    throw new ConfigError('CONFIG_INVALID', USAGE);
  }
  const say = (line: string) => io.stdout.write(`${line}\n`);
  if (!options.json) say(`tenantdb usage snapshot: ${describeTarget(options)}`);
  const bar = progressBar('  days', io.stderr);
  const started = Date.now();
  const result: SnapshotUsageResult = await withDatabase(options, async (db) => {
    await requireMigrated(db, 'usage snapshot');
    const system = createSystemClient(db, { reason: 'tenantdb usage snapshot' });
    return system.usage.snapshot({
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      onProgress: (done, total) => bar.update(done, total),
    });
  });
  if (options.json) say(JSON.stringify(result));
  else {
    say(
      `  done: ${result.from}..${result.to}, ${result.tenants} tenants × ${result.days} days = ${result.rows} snapshots, ${result.changed} changed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  return 0;
}
