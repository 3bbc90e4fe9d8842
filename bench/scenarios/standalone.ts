/**
 * A stand-alone scenario: one that does not fit the raw / tenantdb sides of `./scenario.ts`
 * (several strategies, recall as well as latency, a job timed against another), so it measures
 * on its own — on its own database, or on the main data set — and hands back its table, its
 * targets and its details for the results JSON. main.ts runs the selected ones after the
 * side-by-side scenarios. Listed in
 * `./index.ts` with the others, so `--scenarios` names them the same way.
 */
import type { Backend, BenchDatabase } from '../databases.ts';
import type { DatasetInfo } from '../generate.ts';

export interface StandaloneEnv {
  backend: Backend;
  /** The main data set, opened by main.ts, for a scenario with `dataset: 'main'`. */
  dataset?: { bench: BenchDatabase; info: DatasetInfo };
  scale: number;
  /** --duration and --warmup: how long the scenario may take (it scales its repetitions by them). */
  duration: number;
  warmup: number;
  regenerate: boolean;
}

/** A target, judged by the scenario itself. */
export interface StandaloneTarget {
  label: string;
  value: number;
  /** The limit as text, e.g. `≥ 0.95`. */
  limit: string;
  met: boolean;
}

/** A group of bars in the results chart: each side's ratio, with its target (a minimum) if judged. */
export interface StandaloneChartGroup {
  label: string;
  bars: { name: string; value: number; min?: number }[];
}

export interface StandaloneResult {
  name: string;
  description: string;
  database: string;
  serverVersion: string;
  /** The table and its notes, as printed on stdout. */
  text: string;
  targets: StandaloneTarget[];
  /** Bars for the results chart (drawn after the side-by-side scenarios'). */
  chart?: StandaloneChartGroup[];
  /** Everything measured, for the results JSON. */
  details: Record<string, unknown>;
}

export interface StandaloneScenario<Name extends string = string> {
  name: Name;
  description: string;
  /** Runs on a server only (skipped with --pglite). */
  serverOnly?: boolean;
  /**
   * 'main': measures on the main data set, which main.ts opens with the side-by-side scenarios'
   * (and generates if needed) and passes in `env.dataset`; otherwise it opens its own database.
   */
  dataset?: 'main';
  run(env: StandaloneEnv): Promise<StandaloneResult>;
}

/** A stand-alone scenario, its name kept as a literal type (for `./index.ts`). */
export function standalone<const Name extends string>(definition: StandaloneScenario<Name>): StandaloneScenario<Name> {
  return definition;
}
