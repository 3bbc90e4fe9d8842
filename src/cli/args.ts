import { ConfigError } from '../errors.ts';

export interface CliOptions {
  command: string;
  url: string | undefined;
  dataDir: string | undefined;
  json: boolean;
  help: boolean;
  /** Words after the command (`knowledge ingest <path>` → ['ingest', '<path>']). */
  args: string[];
  /** `--tenant ID`: the tenant a tenant-scoped command works for. */
  tenant: string | undefined;
  /** `--global`: the platform-wide knowledge instead of a tenant's (system scope). */
  global: boolean;
  /** `--period day|week|month` (rollup). */
  period: string | undefined;
  /** `--since ISO-DATE` (rollup: rebuild from the events from then on). */
  since: string | undefined;
  /** `--from DAY`, `--to DAY` (usage snapshot). */
  from: string | undefined;
  to: string | undefined;
  /** `--mark-sent` (budgets check: count the printed alerts as delivered). */
  markSent: boolean;
  /** `--status S`, `--type T`, `--limit N` (tasks list). */
  status: string | undefined;
  type: string | undefined;
  limit: string | undefined;
}

/** Flags first, then environment (DATABASE_URL, TENANTDB_DATA_DIR). */
export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    command: 'help',
    url: process.env.DATABASE_URL || undefined,
    dataDir: process.env.TENANTDB_DATA_DIR || undefined,
    json: false,
    help: false,
    args: [],
    tenant: undefined,
    global: false,
    period: undefined,
    since: undefined,
    from: undefined,
    to: undefined,
    markSent: false,
    status: undefined,
    type: undefined,
    limit: undefined,
  };
  let commandSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new ConfigError('CONFIG_INVALID', `${arg} needs a value`);
      return next;
    };
    if (arg === '--url') options.url = value();
    else if (arg.startsWith('--url=')) options.url = arg.slice(6);
    else if (arg === '--data-dir') options.dataDir = value();
    else if (arg.startsWith('--data-dir=')) options.dataDir = arg.slice(11);
    else if (arg === '--json') options.json = true;
    else if (arg === '--tenant') options.tenant = value();
    else if (arg.startsWith('--tenant=')) options.tenant = arg.slice(9);
    else if (arg === '--global') options.global = true;
    else if (arg === '--mark-sent') options.markSent = true;
    else if (/^--(period|since|from|to|status|type|limit)(=|$)/.test(arg)) {
      const [flag, inline] = arg.slice(2).split(/=(.*)/s) as [
        'period' | 'since' | 'from' | 'to' | 'status' | 'type' | 'limit',
        string?,
      ];
      options[flag] = inline ?? value();
    } else if (arg === '--help' || arg === '-h') options.help = true;
    else if (arg.startsWith('-'))
      throw new ConfigError('CONFIG_INVALID', `unknown option ${arg} (see tenantdb --help)`);
    else if (!commandSeen) {
      options.command = arg;
      commandSeen = true;
    } else options.args.push(arg);
  }
  return options;
}
