import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../platform/config/schema.js';
import type { Logger } from '../platform/log/logger.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { exitGracefully } from '../platform/runtime/shutdown.js';
import { MemoryRegistry } from '../platform/discovery/memory-registry.js';
import { Supervisor } from '../platform/runtime/topologies/supervisor.js';
import type { Plan } from '../platform/runtime/topologies/plan.js';
import { startGateway } from '../gateway/gateway.js';
import { adminAuthorized } from '../platform/auth/admin-token.js';
import { allServices } from '../services/registry.js';

/** Where `scalestack restart` finds the running supervisor's admin endpoint. */
export function supervisorFile(dataDir: string): string {
  return join(dataDir, 'supervisor.json');
}

/**
 * A multi-process topology on this host: migrations once, the replicas
 * (forked `scalestack start` processes), then the gateway in this process
 * in front of them, and a loopback admin endpoint for rolling restarts
 * (Bearer ADMIN_TOKEN, generated for the run when unset).
 */
export async function startTopology(plan: Exclude<Plan, { kind: 'embedded' }>, base: Config, logger: Logger): Promise<void> {
  if (!base.DATABASE_URL) {
    process.stderr.write(
      'scalestack: a multi-process topology needs DATABASE_URL (a real Postgres shared by every process);\n' +
        'embedded PGlite serves one process only. e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test\n',
    );
    process.exit(2);
  }
  const generated: string[] = [];
  const secret = (value: string | undefined, name: string) => {
    if (value) return value;
    generated.push(name);
    return randomBytes(32).toString('base64url');
  };
  const config: Config = {
    ...base,
    JWT_SECRET: secret(base.JWT_SECRET, 'JWT_SECRET'),
    INTERNAL_SECRET: secret(base.INTERNAL_SECRET, 'INTERNAL_SECRET'),
    // The gateway's /metrics and /gateway/upstreams and this supervisor's endpoints need it; `scalestack restart` reads it from supervisor.json.
    ADMIN_TOKEN: secret(base.ADMIN_TOKEN, 'ADMIN_TOKEN'),
  };
  if (generated.length > 0) logger.warn({ generated }, `${generated.join(' and ')} unset: generated for this run and passed to every process (tokens end with it; set them to keep tokens across runs)`);
  logger.info(
    {
      topology: plan.kind,
      replicas: plan.kind === 'services' ? Object.fromEntries(plan.replicas) : { worker: plan.workers },
      rateLimits: config.REDIS_URL ? 'Redis (shared by gateways)' : 'REDIS_URL unset: in the gateway process memory',
      discovery: 'in process (one host): replicas heartbeat to this supervisor over IPC',
    },
    'starting a multi-process topology',
  );

  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1 });
  await runMigrations(db, allServices.map((s) => s.migrations)).finally(() => db.close());

  const registry = new MemoryRegistry();
  const supervisor = new Supervisor({
    plan,
    services: allServices.map((s) => s.name),
    env: { ...process.env, JWT_SECRET: config.JWT_SECRET, INTERNAL_SECRET: config.INTERNAL_SECRET },
    entry: { script: process.argv[1]!, execArgv: process.execArgv },
    registry,
    logger,
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  try {
    await supervisor.start();
  } catch (err) {
    logger.fatal({ err }, 'a replica did not start');
    await supervisor.stop();
    process.exit(1);
  }
  const gateway = await startGateway({ config, logger: logger.child({ component: 'gateway' }), registry });
  supervisor.attachEdge({
    serving: (service, url) => gateway.pools.get(service)?.all().some((u) => u.url === url && u.available) ?? false,
    drain: async (service, url) => void (await gateway.pools.get(service)?.drain(url)),
  });
  await gateway.refresh();

  const admin = createServer((req, res) => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    // Loopback is not a credential: any local process (or a proxy on this host) could reach it.
    if (!adminAuthorized(config.ADMIN_TOKEN, req.headers.authorization)) return void reply(401, { error: 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)' });
    const restart = /^\/restart\/([a-z]+)$/.exec(req.url ?? '');
    if (req.method === 'POST' && restart) {
      supervisor.restart(restart[1]!).then((r) => reply(200, r), (err: Error) => reply(409, { error: err.message }));
    } else if (req.method === 'GET' && req.url === '/replicas') reply(200, { replicas: supervisor.list() });
    else reply(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
  mkdirSync(config.DATA_DIR, { recursive: true });
  // Owner-only: it holds the admin token.
  writeFileSync(supervisorFile(config.DATA_DIR), JSON.stringify({ pid: process.pid, adminUrl, adminToken: config.ADMIN_TOKEN, gateway: gateway.url }), { mode: 0o600 });
  logger.info({ url: gateway.url, admin: adminUrl, replicas: supervisor.list() }, 'scalestack is up');

  exitGracefully(
    async () => {
      admin.close();
      rmSync(supervisorFile(config.DATA_DIR), { force: true });
      await gateway.close();
      await supervisor.stop();
    },
    logger,
    config.SHUTDOWN_TIMEOUT_MS * 2,
  );
}
