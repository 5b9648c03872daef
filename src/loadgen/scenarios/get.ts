import type { Scenario } from './scenario.js';

/** One URL, GET, no seed: for hello-world baselines and the load generator's own tests. */
export const get: Scenario = {
  name: 'get',
  description: 'GET --path (default /) with no seeded data: baselines and tool checks',
  needsSeed: false,
  prepare: ({ path }) => {
    const spec = { type: 'get', method: 'GET', path } as const;
    return () => spec;
  },
};
