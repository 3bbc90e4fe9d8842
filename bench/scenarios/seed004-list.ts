import { prepareList } from './list.ts';
import { scenario } from './scenario.ts';

export const seed004List = scenario({
  name: 'seed004-list',
  description:
    'the same list through the seed 004 design (no tenant_id on messages, IN-subquery policy, current_setting per row), next to tenantdb in the same run',
  dataset: 'main',
  target: { kind: 'info' },
  prepare: (env) => prepareList(env, true),
});
