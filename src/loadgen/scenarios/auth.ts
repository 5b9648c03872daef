import { JSON_HEADERS, pick, requireSeed, type Scenario } from './scenario.js';

/**
 * A login storm: every request is a password login of a seeded user. Password
 * hashing (argon2) is deliberately expensive, so this finds the CPU ceiling of
 * identity and shows whether the rest of the system degrades gracefully.
 */
export const auth: Scenario = {
  name: 'auth',
  description: 'login storm: POST /api/users/login as random seeded users',
  needsSeed: true,
  prepare: (context) => {
    const seed = requireSeed(context, 'auth');
    const bodies = seed.users.map((u) => JSON.stringify({ user: { email: u.email, password: seed.password } }));
    return () => ({ type: 'login', method: 'POST', path: '/api/users/login', headers: JSON_HEADERS, body: pick(bodies, context.random) });
  },
};
