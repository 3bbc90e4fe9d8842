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
};

/** Commands that take words after their name. */
const WITH_ARGUMENTS = new Set(['knowledge']);

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
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
