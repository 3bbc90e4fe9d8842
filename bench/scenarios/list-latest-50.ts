import { prepareList } from './list.ts';
import { scenario, THROUGHPUT } from './scenario.ts';

export const listLatest50 = scenario({
  name: 'list-latest-50',
  description:
    'latest 50 messages of a conversation, keyset order (created_at desc, id desc); half the targets ask for the page after a cursor',
  dataset: 'main',
  target: THROUGHPUT,
  prepare: (env) => prepareList(env, false),
});
