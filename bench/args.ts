/** The bench's flags (node:util parseArgs), checked before anything connects. */
import { parseArgs } from 'node:util';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios/index.ts';

export interface BenchOptions {
  pglite: boolean;
  /** Seconds each side of each scenario is measured. */
  duration: number;
  warmup: number;
  slice: number;
  concurrency: number;
  scale: number;
  scenarios: ScenarioName[];
  regenerate: boolean;
  help: boolean;
}

export const DEFAULTS = {
  server: { duration: 10, warmup: 2, scale: 1 },
  pglite: { duration: 3, warmup: 1, scale: 0.05 },
  slice: 1,
  concurrency: 1,
} as const;

export class UsageError extends Error {}

export const HELP = `npm run bench -- [flags]

Benchmarks tenantdb (createTenantClient: tenant context + RLS as tenantdb_app) against the same SQL
written by hand with an explicit tenant_id = $1 on a plain pg pool as the superuser.

Runs against the server at DATABASE_URL, in dedicated databases it creates there (tenantdb_bench,
tenantdb_bench_tenants_<n>), or with --pglite against in-memory PGlite.

Flags:
  --duration <s>      seconds each side of each scenario is measured
                      (default ${DEFAULTS.server.duration}; ${DEFAULTS.pglite.duration} with --pglite)
  --warmup <s>        unmeasured seconds per side first (default ${DEFAULTS.server.warmup}; ${DEFAULTS.pglite.warmup} with --pglite)
  --concurrency <n>   workers per side, on pools of n connections (default ${DEFAULTS.concurrency}: latency);
                      a server only
  --scale <factor>    data size; 1 = 1,000 tenants, 1,000,000 messages, 1,000,000 cost events, scaling
                      databases of 10 / 1,000 / 10,000 tenants (default ${DEFAULTS.server.scale}; ${DEFAULTS.pglite.scale} with --pglite).
                      Below 1 the scaling databases shrink too (never below 10 tenants).
  --scenarios <a,b>   run only these, comma-separated (default: all):
                      ${SCENARIO_NAMES.join(', ')}
  --regenerate        drop and regenerate the bench databases even when their data matches
  --pglite            in-memory PGlite instead of DATABASE_URL (data generated on every run)
  --help, -h          this text

Results: a table on stdout, bench/results/<date>.json and bench/results/<date>.svg.`;

export function parseBenchArgs(argv: string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        warmup: { type: 'string' },
        concurrency: { type: 'string' },
        scale: { type: 'string' },
        scenarios: { type: 'string' },
        regenerate: { type: 'boolean', default: false },
        pglite: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const pglite = values.pglite === true;
  const defaults = pglite ? DEFAULTS.pglite : DEFAULTS.server;
  const options: BenchOptions = {
    pglite,
    duration: number('--duration', values.duration, defaults.duration, { min: 0.1, max: 3600 }),
    warmup: number('--warmup', values.warmup, defaults.warmup, { min: 0, max: 3600 }),
    slice: DEFAULTS.slice,
    concurrency: number('--concurrency', values.concurrency, DEFAULTS.concurrency, { min: 1, max: 64, integer: true }),
    scale: number('--scale', values.scale, defaults.scale, { min: 0.001, max: 100 }),
    scenarios: scenarioList(values.scenarios),
    regenerate: values.regenerate === true,
    help: values.help === true,
  };
  if (pglite && options.concurrency > 1) {
    throw new UsageError(
      '--concurrency > 1 needs a server: PGlite has a single connection. Drop --pglite or --concurrency.',
    );
  }
  return options;
}

function number(
  flag: string,
  raw: string | undefined,
  fallback: number,
  limits: { min: number; max?: number; integer?: boolean },
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  if (raw.trim() === '' || !Number.isFinite(value) || value < limits.min || value > max) {
    throw new UsageError(`${flag} must be a number from ${limits.min} to ${max} (got ${JSON.stringify(raw)}).`);
  }
  if (limits.integer && !Number.isInteger(value)) {
    throw new UsageError(`${flag} must be a whole number (got ${JSON.stringify(raw)}).`);
  }
  return value;
}

function scenarioList(raw: string | undefined): ScenarioName[] {
  if (raw === undefined) return [...SCENARIO_NAMES];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(SCENARIO_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--scenarios: unknown scenario ${unknown.map((n) => JSON.stringify(n)).join(', ') || '(none given)'}; choose from ${SCENARIO_NAMES.join(', ')}.`,
    );
  }
  // Keep the canonical order: reads before the writes that the cleanup undoes.
  return SCENARIO_NAMES.filter((n) => names.includes(n));
}
