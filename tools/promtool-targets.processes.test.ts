/**
 * Prometheus targets for `scalestack start --workers 2` (real processes, a
 * fresh database on the real Postgres): tools/promtool-targets.ts lists the
 * gateway and each worker as its own target, and each one serves its own
 * /metrics, so Prometheus scrapes every process with its `instance` label.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEntry, spawnScript, type NodeProcess } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import { redisUnavailable, TEST_REDIS_URL } from '../src/testing/redis-probe.js';
import { dropRedisKeys } from '../src/testing/redis-keys.js';
import { skipUnlessAvailable } from '../src/testing/services-required.js';
import type { TargetGroup } from './promtool-targets.js';
import { allServices } from '../src/services/registry.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
/** Every process's /metrics (the gateway's always) answers this token. */
const ADMIN_TOKEN = 'admin-token-for-the-targets-test';

describe('scrape targets of a --workers topology', { ...postgres.options, ...skipUnlessAvailable(await redisUnavailable()) }, () => {
  let topology: NodeProcess;
  let databaseUrl: string | undefined;
  let dir: string;
  let groups: TargetGroup[];

  const prefix = `targets-${randomBytes(4).toString('hex')}`;
  before(async () => {
    databaseUrl = await postgres.create();
    dir = await mkdtemp(join(tmpdir(), 'scalestack-targets-'));
    topology = await spawnScript(cliEntry(), ['start', '--workers', '2'], {
      env: {
        DATABASE_URL: databaseUrl,
        DATA_DIR: dir,
        LOG_LEVEL: 'warn',
        ARGON2_MEMORY_KIB: '1024',
        ARGON2_TIME_COST: '1',
        ADMIN_TOKEN,
        // A topology needs a shared Redis; a prefix of its own keeps its keys apart from other suites'.
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: prefix,
      },
    });
    await topology.waitReady('/readyz', 90_000);
    const out = join(dir, 'workers.json');
    const tool = await spawnScript('tools/promtool-targets.ts', [topology.url, out], { env: { ADMIN_TOKEN } });
    assert.equal((await tool.exited).code, 0, tool.output());
    groups = JSON.parse(await readFile(out, 'utf8')) as TargetGroup[];
  });

  after(async () => {
    if (topology && !topology.hasExited()) await topology.stop('SIGTERM', 30_000);
    // Its private prefix's keys (bus streams and job queues never expire) would outlive the run on the shared Redis.
    await dropRedisKeys(TEST_REDIS_URL, `${prefix}:*`);
    await postgres.drop(databaseUrl);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('one target per process: the gateway and two workers, each worker with every service', () => {
    assert.deepEqual(groups.map((g) => g.labels['role']), ['gateway', 'worker', 'worker'], JSON.stringify(groups));
    assert.equal(groups[0]!.targets[0], new URL(topology.url).host);
    const everyService = allServices.map((s) => s.name).sort().join(',');
    for (const worker of groups.slice(1)) assert.equal(worker.labels['services'], everyService);
    assert.equal(new Set(groups.map((g) => g.targets[0])).size, 3, 'three different processes');
  });

  it('each target serves its own /metrics', async () => {
    for (const group of groups) {
      assert.equal((await fetch(`http://${group.targets[0]}/metrics`)).status, 401, `${group.labels['role']}: /metrics needs the admin token`);
      const res = await fetch(`http://${group.targets[0]}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
      // Workers carry the system's saturation gauges; the gateway is a process of its own too.
      if (group.labels['role'] === 'worker') assert.match(text, /^db_pool_max_connections \d+$/m);
    }
  });
});
