import type { ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import type { App } from '../http/create-app.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Logger } from '../log/logger.js';
import type { SwitchBoard, SwitchChange } from '../switches/switches.js';
import { adminRoute } from '../auth/admin-token.js';
import { errors } from '../errors/catalog.js';
import { MetricsSampler } from './metrics-sampler.js';
import { LoadRunner } from './load-runner.js';
import type { Database } from '../db/database.js';
import { registerDeadLetterRoutes } from './dead-letter-routes.js';
import { registerReplicaRoutes } from './replica-routes.js';
import type { FaultPanel, PanelFault } from './fault-panel.js';

export interface ConsoleDependencies {
  config: Config;
  metrics: Metrics;
  switches: SwitchBoard;
  services: string[];
  logger: Logger;
  db: Database;
  /** CONSOLE_FAULTS: the proxies in front of this process's dependencies; null when off. */
  faults: FaultPanel | null;
}

const SwitchBody = Type.Object(
  {
    feedStrategy: Type.Optional(Type.Union([Type.Literal('pull'), Type.Literal('push'), Type.Literal('hybrid')])),
    celebrityThreshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    cacheEnabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const LoadBody = Type.Object(
  {
    path: Type.String({ pattern: '^/api/[A-Za-z0-9/_?=&.%-]*$', maxLength: 200 }),
    rate: Type.Integer({ minimum: 1, maximum: 2_000 }),
    seconds: Type.Integer({ minimum: 1, maximum: 300 }),
  },
  { additionalProperties: false },
);

const FaultParams = Type.Object({ name: Type.String({ pattern: '^[a-z0-9-]{1,40}$' }) });
const FaultBody = Type.Union([
  Type.Object({ kind: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('cut') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('latency'), ms: Type.Integer({ minimum: 1, maximum: 30_000 }) }, { additionalProperties: false }),
]);

/**
 * The operations console's API under /console/api, every route behind ADMIN_TOKEN (ADR 0018):
 * the topology and switches (`state`), switch changes (`switches`), a live stream of the metrics
 * registry, switch changes and load-run ticks as server-sent events (`stream`), load runs, the
 * dead-letter queue with replay (`dead-letters`), a topology's replicas with kill (`replicas`, under a
 * supervisor) and, with CONSOLE_FAULTS, faults (`faults`).
 */
export function registerConsole(app: App, deps: ConsoleDependencies): void {
  const admin = adminRoute(deps.config.ADMIN_TOKEN);
  const ownUrl = () => {
    const address = app.server.address() as AddressInfo | null;
    return `http://127.0.0.1:${address?.port ?? deps.config.PORT}`;
  };
  const load = new LoadRunner(ownUrl);
  const streams = new Set<ServerResponse>();
  const send = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };
  deps.switches.onChange((values, change: SwitchChange) => send('switch', { values, change }));
  load.onUpdate((run, tick) => send('load', { id: run.id, tick, done: run.done, summary: run.summary }));

  const sampler = new MetricsSampler(deps.metrics.registry);
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => send('sample', { ...(await sampler.sample()), peers: deps.switches.peers(), switches: deps.switches.values() });

  app.get('/console/api/state', admin, async () => ({
    process: { id: deps.switches.id, host: hostname(), pid: process.pid, url: ownUrl(), services: deps.services, uptimeS: Math.round(process.uptime()) },
    switches: deps.switches.values(),
    changes: deps.switches.changes(),
    peers: deps.switches.peers(),
    topology: {
      database: deps.config.DATABASE_URL ? 'postgres' : 'embedded PGlite',
      redis: deps.config.REDIS_URL ? 'redis' : 'none (in process)',
      bus: deps.config.BUS_URL ? new URL(deps.config.BUS_URL).protocol.replace(':', '') : deps.config.REDIS_URL ? 'redis' : 'in process',
    },
    load: load.current ?? null,
  }));

  app.put<{ Body: Static<typeof SwitchBody> }>('/console/api/switches', { ...admin, schema: { body: SwitchBody } }, async (request) => {
    const change = await deps.switches.set(request.body, 'console').catch((err: Error) => {
      deps.logger.warn({ err: err.message }, 'switch change could not be shared');
      throw errors.unavailable('switches');
    });
    deps.logger.info({ change }, 'switch change requested from the console');
    return { change, switches: deps.switches.values() };
  });

  app.post<{ Body: Static<typeof LoadBody> }>('/console/api/load', { ...admin, schema: { body: LoadBody } }, async (request, reply) => {
    if (load.running()) throw errors.busy('load run');
    const run = load.start(request.body);
    return reply.code(202).send({ run: { id: run.id, path: run.path, rate: run.rate, seconds: run.seconds } });
  });

  app.get('/console/api/stream', admin, (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(': connected\n\n');
    streams.add(raw);
    timer ??= setInterval(() => void tick().catch(() => {}), 1_000);
    request.raw.on('close', () => {
      streams.delete(raw);
      if (streams.size === 0) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  });

  registerDeadLetterRoutes(app, deps.db, admin, deps.logger);
  registerReplicaRoutes(app, deps.config.SUPERVISOR_URL, deps.config.ADMIN_TOKEN, admin, deps.logger);

  app.get('/console/api/faults', admin, async () => ({ enabled: deps.faults !== null, targets: deps.faults?.list() ?? [] }));

  app.put<{ Params: Static<typeof FaultParams>; Body: Static<typeof FaultBody> }>(
    '/console/api/faults/:name',
    { ...admin, schema: { params: FaultParams, body: FaultBody } },
    async (request) => {
      const fault = request.body as PanelFault;
      if (!deps.faults?.set(request.params.name, fault)) throw errors.notFound('faultTarget');
      deps.logger.warn({ target: request.params.name, fault }, 'fault set from the console');
      send('fault', { name: request.params.name, fault });
      return { targets: deps.faults.list() };
    },
  );

  // preClose, not onClose: the server's close waits for open connections, and a stream never ends by itself.
  app.addHook('preClose', async () => {
    clearInterval(timer);
    for (const stream of streams) stream.end();
  });
}
