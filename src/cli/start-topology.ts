import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
import { Autoscaler } from '../platform/runtime/topologies/autoscale/autoscaler.js';
import { policyForHost } from '../platform/runtime/topologies/autoscale/decide.js';
import { mostReplicas, poolPerReplica } from '../platform/runtime/topologies/pool-budget.js';
import { openCpuLimiter } from '../platform/runtime/topologies/cpu-limits/open-cpu-limiter.js';
import { replicaNodeFlags } from '../platform/runtime/topologies/replica-node-flags.js';
import type { Plan } from '../platform/runtime/topologies/plan.js';
import { startGateway } from '../gateway/gateway.js';
import { adminAuthorized } from '../platform/auth/admin-token.js';
import { allServices } from '../services/registry.js';
import { identityService } from '../services/identity/index.js';

/** Where `scalestack restart` finds the running supervisor's admin endpoint. */
export function supervisorFile(dataDir: string): string {
  return join(dataDir, 'supervisor.json');
}

/** Owner-only (it holds the admin token), and replaced whole: a reader never sees it half-written. */
function writeSupervisorFile(dataDir: string, info: { pid: number; adminUrl: string; adminToken: string; gateway?: string }): void {
  mkdirSync(dataDir, { recursive: true });
  const file = supervisorFile(dataDir);
  writeFileSync(`${file}.tmp`, JSON.stringify(info), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * A multi-process topology on this host: migrations once, the replicas
 * (forked `scalestack start` processes), then the gateway in this process
 * in front of them, and a loopback admin endpoint for rolling restarts, the
 * replica list, kills and the autoscaler's decisions (Bearer ADMIN_TOKEN,
 * generated for the run when unset).
 */
export async function startTopology(plan: Exclude<Plan, { kind: 'embedded' }>, base: Config, logger: Logger): Promise<void> {
  if (!base.DATABASE_URL) {
    process.stderr.write(
      'scalestack: a multi-process topology needs DATABASE_URL (a real Postgres shared by every process);\n' +
        'embedded PGlite serves one process only. e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test\n',
    );
    process.exit(2);
  }
  if (!base.REDIS_URL) {
    process.stderr.write(
      'scalestack: a multi-process topology needs REDIS_URL (a Redis shared by every process): without it each process\n' +
        'would keep its own cache (and never hear of the others\' writes), its own feed timelines, its own rate limits\n' +
        'and, unless BUS_URL is set, its own event bus. e.g. REDIS_URL=redis://127.0.0.1:6379\n',
    );
    process.exit(2);
  }
  // Events must reach the process that consumes them, whichever relay sends them: one bus for all (Redis unless BUS_URL says otherwise).
  const busUrl = base.BUS_URL ?? base.REDIS_URL;
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
      rateLimits: 'Redis (shared by gateways)',
      bus: base.BUS_URL ? 'BUS_URL' : 'Redis (REDIS_URL; BUS_URL unset)',
      discovery: 'in process (one host): replicas heartbeat to this supervisor over IPC',
    },
    'starting a multi-process topology',
  );

  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 1, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  await runMigrations(db, allServices.map((s) => s.migrations)).finally(() => db.close());

  // The admin endpoint listens before the replicas start: they get its URL (SUPERVISOR_URL) for the console's replica panel.
  const started: { supervisor?: Supervisor; autoscaler?: Autoscaler } = {};
  const admin = createServer((req, res) => {
    const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    // Loopback is not a credential: any local process (or a proxy on this host) could reach it.
    if (!adminAuthorized(config.ADMIN_TOKEN, req.headers.authorization)) return void reply(401, { error: 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)' });
    const running = started.supervisor;
    if (!running) return void reply(503, { error: 'starting' });
    const restart = /^\/restart\/([a-z]+)$/.exec(req.url ?? '');
    const kill = /^\/replicas\/([a-z]+-\d+)\/kill$/.exec(req.url ?? '');
    if (req.method === 'POST' && restart) {
      running.restart(restart[1]!).then((r) => reply(200, r), (err: Error) => reply(409, { error: err.message }));
    } else if (req.method === 'POST' && kill) {
      const killed = running.kill(kill[1]!);
      if (killed) reply(200, { killed });
      else reply(404, { error: `no live replica named "${kill[1]}"` });
    } else if (req.method === 'GET' && req.url === '/replicas') reply(200, { replicas: running.list() });
    else if (req.method === 'GET' && req.url === '/autoscaler') reply(200, started.autoscaler ? { enabled: true, ...started.autoscaler.view() } : { enabled: false });
    else reply(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;

  // Replicas past the host's cores add no capacity, and each one's pool counts against Postgres' max_connections.
  const policy = policyForHost(config.AUTOSCALE_MAX_REPLICAS, config.REPLICA_CPU_LIMIT);
  const autoscaling = plan.kind === 'services' && plan.autoscale === true;
  const budget = poolPerReplica(config.DATABASE_CONNECTION_BUDGET, mostReplicas(plan, policy.max), config.DATABASE_POOL_MAX);
  const poolLine = `Postgres connections: ${budget.replicas} replicas at most (${autoscaling ? `up to ${policy.max} per service` : 'the plan'}, +1 for a rolling restart) × ${budget.pool} each = ${budget.connections}`;
  if (budget.fits) logger.info({ ...budget, budget: config.DATABASE_CONNECTION_BUDGET }, `${poolLine}, within DATABASE_CONNECTION_BUDGET ${config.DATABASE_CONNECTION_BUDGET}`);
  else logger.warn({ ...budget, budget: config.DATABASE_CONNECTION_BUDGET }, `${poolLine}: past DATABASE_CONNECTION_BUDGET ${config.DATABASE_CONNECTION_BUDGET} even at one connection each (fewer replicas, AUTOSCALE_MAX_REPLICAS, or PgBouncer)`);

  // REPLICA_CPU_LIMIT: each replica held to its share by the kernel, as a pod by its CPU limit; asked for, so a host that cannot is an error.
  const cpuLimiter = config.REPLICA_CPU_LIMIT === undefined ? undefined : await openCpuLimiter(config.REPLICA_CPU_LIMIT).catch((err: Error) => {
    process.stderr.write(`scalestack: ${err.message}\n`);
    admin.close();
    process.exit(2);
  });
  if (cpuLimiter) logger.info({ cores: cpuLimiter.cores, where: cpuLimiter.where }, `each replica limited to ${cpuLimiter.cores} cores (${cpuLimiter.where})${autoscaling ? '; the autoscaler reads its CPU against that' : ''}`);
  const replicaFlags = replicaNodeFlags(config.REPLICA_GC);
  if (replicaFlags.length > 0) logger.info({ replicaFlags }, `replicas start with ${replicaFlags.join(' ')} (REPLICA_GC=${config.REPLICA_GC})`);

  const registry = new MemoryRegistry();
  const supervisor = new Supervisor({
    plan,
    services: allServices.map((s) => s.name),
    // ADMIN_TOKEN too: the replicas' /metrics then need it, and the autoscaler, which scrapes them with it, is let in
    // (without it, a replica read the autoscaler's Bearer as a user token and answered 401: it never saw a signal).
    env: { ...process.env, JWT_SECRET: config.JWT_SECRET, INTERNAL_SECRET: config.INTERNAL_SECRET, ADMIN_TOKEN: config.ADMIN_TOKEN, BUS_URL: busUrl, SUPERVISOR_URL: adminUrl },
    entry: { script: process.argv[1]!, execArgv: [...process.execArgv, ...replicaFlags] },
    registry,
    logger,
    stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    poolPerReplica: budget.pool,
    cpuLimiter,
  });
  started.supervisor = supervisor;
  try {
    await supervisor.start();
  } catch (err) {
    logger.fatal({ err }, 'a replica did not start');
    await supervisor.stop();
    process.exit(1);
  }
  // Before the gateway listens: whoever sees it ready (`scalestack restart`, a test) finds the admin endpoint.
  const running = { pid: process.pid, adminUrl, adminToken: config.ADMIN_TOKEN! };
  writeSupervisorFile(config.DATA_DIR, running);
  // The edge checks a token's user with identity too (exists, token not revoked by a password change).
  const identityUrls = () => supervisor.list().flatMap((r) => (r.url && r.services.includes(identityService.name) ? [r.url] : []));
  const identity = await identityService.remoteClient!({ urls: identityUrls, secret: config.INTERNAL_SECRET! });
  const edge = await startGateway({ config, logger: logger.child({ component: 'gateway' }), registry, userCheck: identity.userExists! });
  supervisor.attachEdge({
    serving: (service, url) => edge.pools.get(service)?.all().some((u) => u.url === url && u.available) ?? false,
    drain: async (service, url) => void (await edge.pools.get(service)?.drain(url)),
  });
  await edge.refresh();
  // --autoscale: the decision flow of seed 002 on the replicas' live metrics (docs/deploy.md#local-autoscaler).
  const autoscaler = autoscaling
    ? new Autoscaler(supervisor, allServices.map((s) => s.name), config.ADMIN_TOKEN!, logger.child({ component: 'autoscaler' }), policy)
    : null;
  autoscaler?.start();
  if (autoscaler) started.autoscaler = autoscaler;

  writeSupervisorFile(config.DATA_DIR, { ...running, gateway: edge.url });
  logger.info({ url: edge.url, admin: adminUrl, replicas: supervisor.list() }, 'scalestack is up');

  exitGracefully(
    async () => {
      autoscaler?.stop();
      admin.close();
      rmSync(supervisorFile(config.DATA_DIR), { force: true });
      await edge.close();
      await identity.close?.();
      await supervisor.stop();
    },
    logger,
    config.SHUTDOWN_TIMEOUT_MS * 2,
  );
}
