import { auth } from './auth.js';
import { browse } from './browse.js';
import type { RequestSpec, Scenario } from './scenario.js';
import { social } from './social.js';
import { weighted } from './weighted.js';

/** A day's traffic in one run: mostly anonymous reading, some signed-in social use, a few logins. */
export const mixed: Scenario = {
  name: 'mixed',
  description: '70% browse + 25% social + 5% auth',
  needsSeed: true,
  prepare: (context) => {
    const pickScenario = weighted<() => RequestSpec>(
      [
        [70, browse.prepare(context)],
        [25, social.prepare(context)],
        [5, auth.prepare(context)],
      ],
      context.random,
    );
    return () => pickScenario()();
  },
};
