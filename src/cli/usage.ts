import { createSystemClient } from '../client/system-client.ts';
import { ConfigError } from '../errors.ts';
import { migrationStatus } from '../migrate/status.ts';
import type { SnapshotUsageResult } from '../usage/index.ts';
import { parseArgs } from './args.ts';
import { describeTarget, withDatabase } from './connection.ts';
import { progressBar } from './progress.ts';

const USAGE =
  'usage: tenantdb usage snapshot [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--url URL] [--data-dir DIR] [--json]';

/** Where the command writes: its report on `stdout`, progress on `stderr`. */
export interface UsageCommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/** `--from`/`--to` out of argv (this command's own options); the rest is parsed as every command's. */
function takeRange(argv: readonly string[]): { from?: string; to?: string; rest: string[] } {
  const range: { from?: string; to?: string } = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const key = /^--(from|to)(?:=(.*))?$/.exec(arg);
    if (!key) {
      rest.push(arg);
      continue;
    }
    const value = key[2] ?? argv[++i];
    if (value === undefined || value === '' || value.startsWith('--')) {
      throw new ConfigError('CONFIG_INVALID', `--${key[1]} needs a day as YYYY-MM-DD (${USAGE})`);
    }
    range[key[1] as 'from' | 'to'] = value;
  }
  return { ...range, rest };
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
  const { from, to, rest } = takeRange(argv);
  const options = parseArgs(['usage', ...rest]);
  if (options.args.length !== 1 || options.args[0] !== 'snapshot' || options.tenant !== undefined || options.global) {
    throw new ConfigError('CONFIG_INVALID', USAGE);
  }
  const say = (line: string) => io.stdout.write(`${line}\n`);
  if (!options.json) say(`tenantdb usage snapshot: ${describeTarget(options)}`);
  const bar = progressBar('  days', io.stderr);
  const started = Date.now();
  const result: SnapshotUsageResult = await withDatabase(options, async (db) => {
    const status = await db.rawTransaction((session) => migrationStatus(session));
    if (status.pending > 0) {
      throw new ConfigError(
        'CONFIG_INVALID',
        `usage snapshot: ${status.pending} migration(s) not applied to this database: run tenantdb migrate first.`,
      );
    }
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
