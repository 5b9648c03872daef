import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dbTargets } from '../db-targets.js';
import { startTestSystem, type TestSystem } from '../test-system.js';
import { allServices } from '../../services/registry.js';
import { RouteTable, routesInPrintout, type FuzzRoute } from './route-table.js';
import { requestFor, type FuzzRequest } from './request-arbitrary.js';
import { assertWellBehaved, send } from './response-rules.js';
import { buildWorld, FUZZ_JWT_SECRET } from './fuzz-world.js';
import { fuzzSettings } from './fuzz-settings.js';

/**
 * Every route the system serves, fuzzed from its own TypeBox schemas
 * (collected from the route table, so a new route is fuzzed without editing
 * this file): no 5xx, no stack trace, no hang, every 4xx in the catalog's
 * error shape. `npm run fuzz` runs more with a random seed; see
 * docs/patterns/fuzzing.md to replay a failure.
 */
const settings = fuzzSettings();

/** The recorded service routes, plus the platform's (health, metrics) that carry no schema. */
function fuzzedRoutes(table: RouteTable, sys: TestSystem): FuzzRoute[] {
  const served = routesInPrintout(sys.app.printRoutes({ commonPrefix: false })).filter((r) => r.method !== 'HEAD');
  const recorded = new Set(table.routes.map((r) => `${r.method} ${r.url}`));
  const platform = served
    .filter((r) => !recorded.has(`${r.method} ${r.url}`))
    .map((r): FuzzRoute => ({ ...r, service: 'platform', auth: 'optional' }));
  return [...table.routes, ...platform].filter((r) => !settings.route || `${r.method} ${r.url}` === settings.route);
}

for (const target of await dbTargets()) {
  const runs = target.name === 'postgres' ? settings.postgresRuns : settings.runs;
  describe(`every route fuzzed from its schema [${target.name}] (seed ${settings.seed}, ${runs} runs per route)`, target.options, () => {
    const table = new RouteTable();
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target, { JWT_SECRET: FUZZ_JWT_SECRET, LOG_LEVEL: settings.logLevel }, table.recording(allServices));
    });
    after(async () => {
      await sys?.close();
    });

    it('the route table the fuzzer walks holds every route the app serves', () => {
      const served = routesInPrintout(sys.app.printRoutes({ commonPrefix: false })).filter((r) => r.method !== 'HEAD');
      assert.ok(table.routes.length >= 19, `recorded ${table.routes.length} service routes`);
      const fuzzed = new Set(fuzzedRoutes(table, sys).map((r) => `${r.method} ${r.url}`));
      if (!settings.route) for (const r of served) assert.ok(fuzzed.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is fuzzed`);
      const withSchema = table.routes.filter((r) => r.body || r.params || r.querystring);
      assert.ok(withSchema.length >= 14, 'schemas were collected with the routes');
    });

    it('no 5xx, no stack trace, no hang, and 4xx in the error shape, on every route, signed in and not', async (t) => {
      // Live streams never finish answering (a signed-in SSE request is a 200 that stays open): their bad
      // input (no, forged or another user's token, resume ids) is src/services/notifications/live/live-stream.test.ts's.
      for (const route of fuzzedRoutes(table, sys).filter((r) => !r.live)) {
        await t.test(`${route.method} ${route.url}`, async (rt) => {
          const world = await buildWorld(sys.app);
          // How deep the requests got, for the log: a route answered only 401 and 422 was not really fuzzed.
          const statuses = new Map<number, number>();
          const property = fc.asyncProperty(requestFor(route, world), async (req) => {
            const res = await send(sys.app, req);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            assertWellBehaved(req, res);
          });
          try {
            await fc.assert(property, { seed: settings.seed, numRuns: runs, includeErrorInReport: true, ...(settings.path ? { path: settings.path } : {}) });
          } catch (err) {
            const replay = `replay: FUZZ_SEED=${settings.seed} FUZZ_ROUTE='${route.method} ${route.url}' FUZZ_PATH=<path above> npm run fuzz`;
            throw new Error(`${(err as Error).message}\n${replay}`, { cause: err });
          }
          rt.diagnostic(`statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`);
        });
      }
    });

    it('a method a route does not serve gets a 4xx in the error shape, never a 5xx', async () => {
      const routes = fuzzedRoutes(table, sys);
      const served = new Set(routes.map((r) => `${r.method} ${r.url}`));
      const world = await buildWorld(sys.app);
      const slug = world.known['slug']![0]!;
      const request = fc
        .record({
          route: fc.constantFrom(...routes),
          method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'SEARCH'),
          signedIn: fc.boolean(),
        })
        .filter(({ route, method }) => !served.has(`${method} ${route.url}`))
        .map(({ route, method, signedIn }): FuzzRequest => ({
          method,
          url: route.url.replace(':slug', slug).replace(':username', world.known['username']![0]!).replace(':id', world.known['id']![0]!),
          headers: signedIn ? { authorization: `Token ${world.tokens[0]}` } : {},
        }));
      await fc.assert(
        fc.asyncProperty(request, async (req) => assertWellBehaved(req, await send(sys.app, req))),
        { seed: settings.seed, numRuns: Math.min(runs, 100), includeErrorInReport: true },
      );
    });
  });
}
