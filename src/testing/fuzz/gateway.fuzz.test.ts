import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dbTargets } from '../db-targets.js';
import { startTestSystem, type TestSystem } from '../test-system.js';
import { allServices } from '../../services/registry.js';
import { startTestGateway } from '../../gateway/gateway-test-kit.js';
import type { Gateway } from '../../gateway/gateway.js';
import { CONDUIT_ROUTES } from '../../gateway/route-table.js';
import { RouteTable, routesInPrintout, type FuzzRoute } from './route-table.js';
import { requestFor } from './request-arbitrary.js';
import { assertWellBehaved, send } from './response-rules.js';
import { buildWorld, FUZZ_JWT_SECRET } from './fuzz-world.js';
import { fuzzSettings } from './fuzz-settings.js';

/**
 * The same fuzzing as routes.fuzz.test.ts, through the gateway: every route
 * the gateway serves, with the schema the service behind it declared,
 * proxied over real HTTP to the embedded system. The gateway must answer
 * bad input itself or pass the service's answer on: never a 5xx of its own.
 */
const settings = fuzzSettings();
const INTERNAL_SECRET = 'f'.repeat(40);
const runs = Math.max(1, Math.round(settings.runs / 3));
const [pglite] = await dbTargets();

describe(`every gateway route fuzzed from its service's schema (seed ${settings.seed}, ${runs} runs per route)`, () => {
  const table = new RouteTable();
  let sys: TestSystem;
  let gateway: Gateway;
  before(async () => {
    sys = await startTestSystem(pglite!, { JWT_SECRET: FUZZ_JWT_SECRET, INTERNAL_SECRET, LOG_LEVEL: settings.logLevel }, table.recording(allServices));
    gateway = await startTestGateway({
      social: [sys.url],
      routes: CONDUIT_ROUTES,
      // Load shedding is not under test here: the system shares the gateway's event loop (megabyte bodies, deep JSON) on a busy machine.
      overrides: { JWT_SECRET: FUZZ_JWT_SECRET, INTERNAL_SECRET, GATEWAY_MAX_EVENT_LOOP_DELAY_MS: 60_000 },
    });
  });
  after(async () => {
    await gateway?.close();
    await sys?.close();
  });

  /** The gateway's routes, each with the schemas of the service route it proxies to (none for its own, like /gateway/upstreams). */
  const gatewayRoutes = (): FuzzRoute[] =>
    routesInPrintout(gateway.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.method !== 'HEAD')
      .map((r) => table.routes.find((s) => s.method === r.method && s.url === r.url) ?? { ...r, service: 'gateway', auth: 'optional' as const })
      .filter((r) => !settings.route || `${r.method} ${r.url}` === settings.route);

  it('proxies every service route it serves', () => {
    const proxied = new Set(gatewayRoutes().map((r) => `${r.method} ${r.url}`));
    if (!settings.route) for (const r of table.routes) assert.ok(proxied.has(`${r.method} ${r.url}`), `${r.method} ${r.url} is routed by the gateway`);
  });

  it('no 5xx, no stack trace, no hang, and 4xx in the error shape, through the gateway', async (t) => {
    // Live streams never end, so they are not request-response; their hostile input is live-stream.test.ts's.
    for (const route of gatewayRoutes().filter((r) => !r.live)) {
      await t.test(`${route.method} ${route.url}`, async () => {
        const world = await buildWorld(gateway.app);
        const property = fc.asyncProperty(requestFor(route, world), async (req) => assertWellBehaved(req, await send(gateway.app, req)));
        try {
          // No shrinking: a 5xx may open the gateway's breaker, and every smaller request would then fail for that reason instead.
          await fc.assert(property, { seed: settings.seed, numRuns: runs, includeErrorInReport: true, endOnFailure: true, ...(settings.path ? { path: settings.path } : {}) });
        } catch (err) {
          const replay = `replay: FUZZ_SEED=${settings.seed} FUZZ_ROUTE='${route.method} ${route.url}' FUZZ_PATH=<path above> npm run fuzz -- --test-name-pattern=gateway`;
          throw new Error(`${(err as Error).message}\n${replay}`, { cause: err });
        }
      });
    }
  });
});
