import { TenantDbError } from '../errors.ts';
import { parseArgs } from './args.ts';
import { demoCommand } from './demo.ts';
import { healthCommand } from './health.ts';
import { migrateCommand } from './migrate.ts';
import { seedCommand } from './seed.ts';
import { verifyCommand } from './verify.ts';
import { doctorCommand } from './doctor.ts';
import { distributeCommand } from './distribute.ts';
import { knowledgeCommand } from './knowledge.ts';
import { budgetsCommand, rollupCommand } from './billing.ts';
import { tasksCommand } from './tasks.ts';
import { runUsageSnapshot } from './usage.ts';
import { ConfigError } from '../errors.ts';

const HELP = `tenantdb — multi-tenant PostgreSQL with Row-Level Security

Usage: tenantdb <command> [--url URL] [--data-dir DIR] [--json]

Commands:
  migrate   apply the committed migrations (idempotent, safe to run concurrently)
  seed      migrate, then create the sample tenants, users, conversations (idempotent)
  demo      migrate + seed, then show what each user sees and every cross-tenant attempt refused
  health    connectivity, server version, migrations applied, application role safe
  verify    prove isolation: catalogue lints and a live attack probe (rolled back); exit 1 on any failure
  doctor    server version and CVE fix, extensions, roles and grants, migrations applied and not drifted
  distribute  Citus: global tables as reference tables, tenant tables by tenant_id (co-located); idempotent
  knowledge ingest <dir|file.jsonl|file> --tenant ID | --global
            chunk, embed and store documents (.md/.txt files, or JSON Lines of { title, content, … })
  rollup [--period day|week|month] [--since DATE]
            cron: roll cost events up into cost_summaries (incremental; --since rebuilds from the events)
  budgets check [--mark-sent]
            cron: re-evaluate budgets, print the alerts whose notification is due (--mark-sent counts them sent)
  usage snapshot [--from DAY] [--to DAY]
            cron: derive daily usage snapshots from activity (default yesterday and today)
  tasks [list] [--tenant ID] [--status S] [--type T] [--limit N] | tasks retry ID | tasks cancel ID
            operators: the task queue across tenants (counts and newest tasks), retry a failed task, cancel one

Options:
  --url URL        PostgreSQL server (default: $DATABASE_URL; without either: embedded PGlite)
  --data-dir DIR   PGlite data directory for a persistent embedded database (default: in memory)
  --json           machine-readable output where supported
  --tenant ID      the tenant of a tenant-scoped command (knowledge ingest)
  --global         the platform-wide knowledge instead of a tenant's (system scope)
`;

const COMMANDS: Record<string, (options: ReturnType<typeof parseArgs>) => Promise<number>> = {
  migrate: migrateCommand,
  seed: seedCommand,
  demo: demoCommand,
  health: healthCommand,
  verify: verifyCommand,
  doctor: doctorCommand,
  distribute: distributeCommand,
  knowledge: knowledgeCommand,
  rollup: rollupCommand,
  budgets: budgetsCommand,
  tasks: tasksCommand,
};

/** Commands that take words after their name. */
const WITH_ARGUMENTS = new Set(['knowledge', 'budgets', 'tasks']);

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  if (options.command === 'usage' && !options.help) {
    const at = argv.indexOf('usage');
    return runUsageSnapshot(argv.filter((_, i) => i !== at));
  }
  const command = COMMANDS[options.command];
  if (options.help || options.command === 'help' || !command) {
    if (!options.help && options.command !== 'help') {
      process.stderr.write(`tenantdb: unknown command "${options.command}"\n\n`);
      process.stderr.write(HELP);
      return 2;
    }
    process.stdout.write(HELP);
    return 0;
  }
  if (options.args.length > 0 && !WITH_ARGUMENTS.has(options.command)) {
    throw new ConfigError('CONFIG_INVALID', `unexpected argument ${options.args[0]}`);
  }
  return command(options);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof TenantDbError) {
      process.stderr.write(`tenantdb: ${error.code}: ${error.message}\n`);
    } else {
      process.stderr.write(`tenantdb: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exitCode = 1;
  },
);
