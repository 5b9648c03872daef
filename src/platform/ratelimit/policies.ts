import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { RateLimitPolicy } from './policy.js';

/**
 * The default policies. Login is strict (brute force: 10 attempts a minute
 * per address); writes are limited per user; reads are not limited by
 * default (cache and load shedding protect them). RATE_LIMITS replaces the
 * whole list with a JSON array of the same shape.
 */
export const DEFAULT_POLICIES: RateLimitPolicy[] = [
  { name: 'login', key: 'ip', limit: 10, windowSeconds: 60, methods: ['POST'], path: '^/api/users/login$' },
  { name: 'register', key: 'ip', limit: 3000, windowSeconds: 3600, methods: ['POST'], path: '^/api/users$' },
  { name: 'writes', key: 'user', limit: 600, windowSeconds: 60, methods: ['POST', 'PUT', 'DELETE'], path: '^/api/' },
  // Short links are a spam and phishing vehicle: creation has its own, tighter budget per user.
  { name: 'link-create', key: 'user', limit: 30, windowSeconds: 60, methods: ['POST'], path: '^/api/links$' },
];

const PolicySchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,40}$' }),
    key: Type.Union([Type.Literal('ip'), Type.Literal('user'), Type.Literal('route')]),
    limit: Type.Integer({ minimum: 1 }),
    windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
    methods: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    path: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
const PoliciesSchema = Type.Array(PolicySchema);

/** The policies from RATE_LIMITS (JSON), or the defaults; throws naming what is wrong. */
export function parsePolicies(json: string | undefined): RateLimitPolicy[] {
  if (json === undefined) return DEFAULT_POLICIES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('RATE_LIMITS is not valid JSON');
  }
  const problems = [...Value.Errors(PoliciesSchema, raw)].map((e) => `${e.path || '(root)'}: ${e.message}`);
  if (problems.length > 0) throw new Error(`RATE_LIMITS is invalid: ${problems.slice(0, 5).join('; ')}`);
  const policies = raw as RateLimitPolicy[];
  const names = new Set<string>();
  for (const p of policies) {
    if (names.has(p.name)) throw new Error(`RATE_LIMITS: policy name "${p.name}" is used twice`);
    names.add(p.name);
    if (p.path) new RegExp(p.path); // throws on a bad expression, at start rather than per request
  }
  return policies;
}
