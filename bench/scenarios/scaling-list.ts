import { prepareList } from './list.ts';
import { scenario, type Scenario } from './scenario.ts';

/** list-latest-50 on a data set of `tenants` equal tenants; judged across the three sizes. */
function scalingList<const Tenants extends number>(tenants: Tenants): Scenario<`scaling-list-${Tenants}`> {
  return scenario({
    name: `scaling-list-${tenants}`,
    description: `list-latest-50 in a database of ${tenants.toLocaleString('en-US')} tenants, each with the same 2 conversations × 50 messages`,
    dataset: tenants,
    target: { kind: 'scaling' },
    prepare: (env) => prepareList(env, false),
  });
}

export const SCALING_LISTS = [scalingList(10), scalingList(1000), scalingList(10_000)] as const;
