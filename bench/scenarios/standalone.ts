/**
 * A stand-alone scenario: one that does not fit the raw / tenantdb sides of `./scenario.ts`
 * (several strategies, recall as well as latency, its own data set), so it opens its own
 * database, measures on its own and hands back its table, its targets and its details for the
 * results JSON. main.ts runs the selected ones after the side-by-side scenarios. Listed in
 * `./index.ts` with the others, so `--scenarios` names them the same way.
 */
import type { Backend } from '../databases.ts';

export interface StandaloneEnv {
  backend: Backend;
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

export interface StandaloneResult {
  name: string;
  description: string;
  database: string;
  serverVersion: string;
  /** The table and its notes, as printed on stdout. */
  text: string;
  targets: StandaloneTarget[];
  /** Everything measured, for the results JSON. */
  details: Record<string, unknown>;
}

export interface StandaloneScenario<Name extends string = string> {
  name: Name;
  description: string;
  /** Runs on a server only (skipped with --pglite). */
  serverOnly?: boolean;
  run(env: StandaloneEnv): Promise<StandaloneResult>;
}

/** A stand-alone scenario, its name kept as a literal type (for `./index.ts`). */
export function standalone<const Name extends string>(definition: StandaloneScenario<Name>): StandaloneScenario<Name> {
  return definition;
}
