/**
 * The scenarios, one per file, in their canonical order (the order they run and are reported in,
 * whatever order --scenarios names them). The names are derived from these lists: the
 * side-by-side scenarios (`./scenario.ts`), then the stand-alone ones (`./standalone.ts`), which
 * run after them.
 */
import { bulkInsertCost1000 } from './bulk-insert-cost-1000.ts';
import { contextForm } from './context-form.ts';
import { costMonthly } from './cost-monthly.ts';
import { costRollup } from './cost-rollup.ts';
import { costSummaryMonth } from './cost-summary-month.ts';
import { insertMessage } from './insert-message.ts';
import { knowledgeSearch } from './knowledge-search.ts';
import { listLatest50 } from './list-latest-50.ts';
import { pointRead } from './point-read.ts';
import { recordCosts1000 } from './record-costs-1000.ts';
import { requests } from './requests.ts';
import { SCALING_LISTS } from './scaling-list.ts';
import type { Scenario } from './scenario.ts';
import { seed004List } from './seed004-list.ts';
import type { StandaloneScenario } from './standalone.ts';
import { taskQueue } from './tasks.ts';

const LIST = [
  pointRead,
  contextForm,
  listLatest50,
  seed004List,
  costMonthly,
  costSummaryMonth,
  insertMessage,
  bulkInsertCost1000,
  recordCosts1000,
  ...SCALING_LISTS,
] as const;

const STANDALONE_LIST = [requests, costRollup, knowledgeSearch, taskQueue] as const;

export type ScenarioName = (typeof LIST)[number]['name'] | (typeof STANDALONE_LIST)[number]['name'];

export const SCENARIOS: readonly Scenario[] = LIST;
export const STANDALONE_SCENARIOS: readonly StandaloneScenario<ScenarioName>[] = STANDALONE_LIST;
export const SCENARIO_NAMES: readonly ScenarioName[] = [...SCENARIOS, ...STANDALONE_SCENARIOS].map((s) => s.name);
