/**
 * `npm run bench`: tenantdb against a hand-written raw baseline. See bench/README.md.
 *
 * 1. Makes sure each data set the chosen scenarios need exists (generated once, then reused).
 * 2. Per scenario: picks the targets, EXPLAINs the tenantdb statement in its tenant context,
 *    then measures the sides in alternating slices.
 * 3. Runs the stand-alone scenarios: those on the main data set while it is open, then those
 *    with databases of their own.
 * 4. Prints the table (stdout) and writes bench/results/<date>.json and .svg.
 */
import os from 'node:os';
import { HELP, parseBenchArgs, UsageError, type BenchOptions } from './args.ts';
import { serverVersion, type Backend, type BenchDatabase } from './databases.ts';
import { explainScenario, explainSeed004, indexFirstColumns } from './explain.ts';
import { ensureDataset, mainSpec, scalingSpec, type DatasetInfo, type DatasetSpec } from './generate.ts';
import { measure } from './harness.ts';
import { format, log } from './progress.ts';
import {
  judge,
  renderExplain,
  renderTable,
  SCALING_LIMIT,
  writeResults,
  type Report,
  type ScalingResult,
  type ScenarioResult,
} from './report.ts';
import { SCENARIOS, STANDALONE_SCENARIOS } from './scenarios/index.ts';
import type { Scenario } from './scenarios/scenario.ts';
import type { StandaloneResult } from './scenarios/standalone.ts';

/** A scaling data set's tenant count: 10 / 1,000 / 10,000 at scale ≥ 1, shrunk below (at least 10). */
function scalingTenants(base: number, scale: number): number {
  return Math.max(10, Math.round(base * Math.min(1, scale)));
}

function specFor(scenario: Scenario, scale: number): DatasetSpec {
  return scenario.dataset === 'main' ? mainSpec(scale) : scalingSpec(scalingTenants(scenario.dataset, scale));
}

async function run(options: BenchOptions, backend: Backend): Promise<void> {
  const startedAt = new Date();
  const started = performance.now();
  const scenarios = SCENARIOS.filter(
    (s) => options.scenarios.includes(s.name) && !(backend.kind === 'pglite' && s.serverOnly === true),
  );
  const standaloneScenarios = STANDALONE_SCENARIOS.filter(
    (s) => options.scenarios.includes(s.name) && !(backend.kind === 'pglite' && s.serverOnly === true),
  );
  const specs = new Map<string, DatasetSpec>();
  for (const scenario of scenarios) {
    const spec = specFor(scenario, options.scale);
    specs.set(spec.name, spec);
  }
  const mainDataset = mainSpec(options.scale);
  if (standaloneScenarios.some((s) => s.dataset === 'main')) specs.set(mainDataset.name, mainDataset);
  if (backend.kind === 'pglite') {
    log(
      `--pglite: in-memory PGlite, scale ${options.scale} (a server's default is 1), data generated on every run; ` +
        'PGlite is one in-process connection, so both sides share it',
    );
  }

  const open = new Map<string, { bench: BenchDatabase; info: DatasetInfo }>();
  const results: ScenarioResult[] = [];
  const standalone: StandaloneResult[] = [];
  let version = 'unknown';
  try {
    for (const spec of specs.values()) {
      open.set(spec.name, await ensureDataset(backend, spec, options));
    }
    const firstOpen = [...open.values()][0];
    if (firstOpen) version = await serverVersion(firstOpen.bench.raw);

    const firstColumns = new Map<string, Map<string, string>>();
    for (const scenario of scenarios) {
      const spec = specFor(scenario, options.scale);
      const dataset = open.get(spec.name);
      if (!dataset) throw new Error(`data set ${spec.name} is not open`);
      const { bench, info } = dataset;
      log(`${scenario.name}: picking targets`);
      const prepared = await scenario.prepare({ bench, info, concurrency: options.concurrency });
      try {
        let columns = firstColumns.get(bench.name);
        if (!columns) {
          columns = await indexFirstColumns(bench);
          firstColumns.set(bench.name, columns);
        }
        const explain = await explainScenario(scenario.name, bench, prepared.explain, columns);
        log(`${scenario.name}: EXPLAIN ${explain.ok ? 'ok' : 'MISSING'}: ${explain.summary}`);
        const seedExplain = prepared.seed004Explain ? await explainSeed004(prepared.seed004Explain) : undefined;
        if (seedExplain) log(`${scenario.name}: seed 004 plan: ${seedExplain.summary}`);

        const measured = await measure(
          `${scenario.name}: measuring ${prepared.sides.map((s) => s.name).join(' / ')}`,
          prepared.sides,
          options,
        );
        const sides = Object.fromEntries(measured.map((m) => [m.name, m]));
        const raw = sides.raw;
        const tenantdb = sides.tenantdb;
        if (!raw || !tenantdb) throw new Error(`${scenario.name}: a side is missing from the results`);
        const ratioOps = tenantdb.opsPerSec / raw.opsPerSec;
        const ratioP50 = tenantdb.p50Ms / raw.p50Ms;
        const seed = sides.seed004;
        const orm = sides.orm;
        const untriggered = sides.untriggered;
        results.push({
          name: scenario.name,
          description: scenario.description,
          database: bench.name,
          tenants: info.spec.tenants,
          targets: prepared.targets,
          target: scenario.target,
          sides,
          ratioOps: round(ratioOps),
          ratioP50: round(ratioP50),
          met: judge(scenario.target, ratioOps, ratioP50),
          explain,
          ...(orm
            ? { orm: { ratioOps: round(orm.opsPerSec / raw.opsPerSec), ratioP50: round(orm.p50Ms / raw.p50Ms) } }
            : {}),
          ...(untriggered
            ? {
                untriggered: {
                  ratioOps: round(untriggered.opsPerSec / raw.opsPerSec),
                  ratioP50: round(untriggered.p50Ms / raw.p50Ms),
                },
              }
            : {}),
          ...(seed && seedExplain
            ? {
                seed004: {
                  ratioOps: round(seed.opsPerSec / raw.opsPerSec),
                  ratioP50: round(seed.p50Ms / raw.p50Ms),
                  vsTenantdbP50: round(seed.p50Ms / tenantdb.p50Ms),
                  explain: seedExplain,
                },
              }
            : {}),
        });
      } finally {
        await prepared.cleanup?.();
        await prepared.close?.();
      }
    }
    // Stand-alone scenarios on the main data set, while it is open.
    for (const scenario of standaloneScenarios.filter((s) => s.dataset === 'main')) {
      standalone.push(await scenario.run({ backend, ...options, dataset: open.get(mainDataset.name) }));
    }
  } finally {
    for (const { bench } of open.values()) await bench.close();
  }

  // The other stand-alone scenarios open their own databases, after these are closed.
  for (const scenario of standaloneScenarios.filter((s) => s.dataset === undefined)) {
    standalone.push(await scenario.run({ backend, ...options }));
    if (version === 'unknown') version = standalone[standalone.length - 1]?.serverVersion ?? version;
  }

  const report: Report & { standalone: StandaloneResult[] } = {
    date: localDate(startedAt),
    startedAt: startedAt.toISOString(),
    wallSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine: {
      backend: backend.kind,
      serverVersion: version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    },
    flags: {
      duration: options.duration,
      warmup: options.warmup,
      slice: options.slice,
      concurrency: options.concurrency,
      scale: options.scale,
      scenarios: options.scenarios,
      regenerate: options.regenerate,
      pglite: options.pglite,
    },
    datasets: [...open.values()].map(({ bench, info }) => ({ database: bench.name, ...info })),
    scenarios: results,
    scaling: scaling(results),
    explain: results.map((r) => ({ scenario: r.name, ok: r.explain.ok, summary: r.explain.summary })),
    standalone,
  };
  const files = await writeResults(report);
  if (results.length > 0) process.stdout.write(`\n${renderTable(report)}\n\n${renderExplain(report)}\n\n`);
  for (const r of standalone) process.stdout.write(`\n${r.text}\n\n`);
  const judged = results.filter((r) => r.met !== null);
  const standaloneTargets = standalone.flatMap((r) => r.targets);
  const met =
    judged.filter((r) => r.met).length + (report.scaling?.met ? 1 : 0) + standaloneTargets.filter((t) => t.met).length;
  const total = judged.length + (report.scaling ? 1 : 0) + standaloneTargets.length;
  process.stdout.write(
    `targets met: ${met}/${total}; ${backend.kind} ${version}, ${os.cpus().length} cpus, node ${process.version}, ` +
      `concurrency ${options.concurrency}, ${options.duration} s per side; wall time ${format(report.wallSeconds)} s\n` +
      `wrote ${files.json}\nwrote ${files.svg}\n`,
  );
}

/** tenantdb's p50 in the largest scaling data set against the smallest (both must have run). */
function scaling(results: ScenarioResult[]): ScalingResult | null {
  const runs = results.filter((r) => r.target.kind === 'scaling').sort((a, b) => a.tenants - b.tenants);
  const small = runs[0];
  const large = runs[runs.length - 1];
  if (!small || !large || small === large) return null;
  const p50SmallMs = small.sides.tenantdb?.p50Ms ?? NaN;
  const p50LargeMs = large.sides.tenantdb?.p50Ms ?? NaN;
  const ratio = p50LargeMs / p50SmallMs;
  return {
    smallTenants: small.tenants,
    largeTenants: large.tenants,
    p50SmallMs,
    p50LargeMs,
    ratio: round(ratio),
    limit: SCALING_LIMIT,
    met: ratio <= SCALING_LIMIT,
    rawRatio: round((large.sides.raw?.p50Ms ?? NaN) / (small.sides.raw?.p50Ms ?? NaN)),
  };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\nRun \`npm run bench -- --help\` for the flags.\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  let backend: Backend;
  if (options.pglite) backend = { kind: 'pglite' };
  else {
    const url = process.env.DATABASE_URL;
    if (!url) {
      process.stderr.write(
        'bench: DATABASE_URL is not set. Point it at a PostgreSQL server, as a superuser (the bench creates its own\n' +
          'databases there: tenantdb_bench, tenantdb_bench_tenants_<n>), e.g.\n' +
          '  DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres npm run bench\n' +
          'or run on in-memory PGlite: npm run bench -- --pglite\n',
      );
      return 2;
    }
    if (!/^postgres(ql)?:\/\//.test(url)) {
      process.stderr.write(`bench: DATABASE_URL must start with postgres:// or postgresql://.\n`);
      return 2;
    }
    backend = { kind: 'postgres', url };
  }
  await run(options, backend);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `\nbench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
