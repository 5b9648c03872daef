import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FaultProxy } from './fault-proxy.js';
import { ownNats, ownRedis, type OwnServer } from './own-servers.js';
import { freePort } from '../platform/runtime/free-port.js';
import type { Experiment } from './experiment.js';
import { CLI_NODE_ARGS } from '../platform/runtime/app-paths.js';

/**
 * What an experiment runs against, all its own: a redis-server (behind the fault proxy when asked), a
 * NATS server when the bus is NATS, and `scalestack start` (embedded or `--topology services`) on a free
 * port, on the Postgres database given. `close()` stops and removes everything it started.
 */
export class TargetSystem {
  url = '';
  proxy: FaultProxy | null = null;
  redis: OwnServer | null = null;
  broker: OwnServer | null = null;
  /** Replicas an experiment SIGSTOPped, by service (SIGCONT goes back to them). */
  readonly paused = new Map<string, { name: string; pid: number }>();
  private child: ChildProcess | null = null;
  private output = '';
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'scalestack-chaos-'));

  constructor(
    private readonly experiment: Experiment,
    private readonly databaseUrl: string,
    /** How node runs the CLI: by default the way this process runs (build/ or src/ through tsx). */
    private readonly cliArgs: readonly string[] = CLI_NODE_ARGS,
  ) {}

  async start(): Promise<void> {
    const { system } = this.experiment;
    this.redis = await ownRedis();
    let redisUrl = this.redis.url;
    if (system.redis === 'proxied') {
      this.proxy = new FaultProxy({ host: '127.0.0.1', port: this.redis.port });
      await this.proxy.start();
      redisUrl = `redis://127.0.0.1:${this.proxy.port}`;
    }
    if (system.bus === 'nats') this.broker = await ownNats();
    const port = await freePort();
    const args = ['start'];
    if (system.topology === 'services') {
      args.push('--topology', 'services');
      const replicas = Object.entries(system.replicas ?? {}).map(([s, n]) => `${s}=${n}`).join(',');
      if (replicas) args.push('--replicas', replicas);
    }
    this.child = spawn(process.execPath, [...this.cliArgs, ...args], {
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: this.dataDir,
        DATABASE_URL: this.databaseUrl,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: `chaos-${randomBytes(4).toString('hex')}`,
        BUS_URL: this.broker?.url ?? redisUrl,
        LOG_LEVEL: 'warn',
        LOG_PRETTY: 'false',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
        RATE_LIMIT_ENABLED: 'false',
        // Load shedding answers 503 on a slow event loop: on a shared CI machine that would be the neighbours' load, not the fault injected.
        GATEWAY_MAX_EVENT_LOOP_DELAY_MS: '5000',
        ...system.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`scalestack exited (${this.child.exitCode}) before it was ready:\n${this.output}`);
      const ok = await fetch(`${this.url}/readyz`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`scalestack not ready within 300 s:\n${this.output}`);
  }

  /** The replicas of a multi-process topology, from its supervisor's admin endpoint. */
  async replicas(): Promise<Array<{ name: string; services: string[]; pid: number }>> {
    const { adminUrl, adminToken } = JSON.parse(readFileSync(join(this.dataDir, 'supervisor.json'), 'utf8')) as { adminUrl: string; adminToken: string };
    const res = await fetch(`${adminUrl}/replicas`, { headers: { authorization: `Bearer ${adminToken}` } });
    return ((await res.json()) as { replicas: Array<{ name: string; services: string[]; pid: number }> }).replicas;
  }

  logs(): string {
    return this.output;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await this.proxy?.close();
    await this.redis?.dispose();
    await this.broker?.dispose();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
