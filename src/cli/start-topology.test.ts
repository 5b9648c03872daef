import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_CLI_ENTRY, cliEntry, spawnScript, type NodeProcess } from '../testing/cli-process.js';
import { dbTargets } from '../testing/db-targets.js';
import { skipUnlessAvailable } from '../testing/services-required.js';
import { redisUnavailable, TEST_REDIS_URL } from '../testing/redis-probe.js';
import { dropRedisKeys } from '../testing/redis-keys.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const redisOptions = skipUnlessAvailable(await redisUnavailable());

/** Waits for the process to exit; one still running after `ms` is stopped and reported as null (it did not refuse). */
async function exitWithin(child: NodeProcess, ms: number): Promise<number | null> {
  const timedOut = new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), ms).unref());
  const result = await Promise.race([child.exited, timedOut]);
  if (result === 'running') {
    await child.stop('SIGTERM', 30_000);
    return null;
  }
  return result.code;
}

describe('scalestack start: multi-process topologies say what is missing', () => {
  it('--topology services without DATABASE_URL exits 2 naming it; a bad plan exits 2 naming the option', async () => {
    const noDb = await spawnScript(cliEntry(), ['start', '--topology', 'services'], { env: { LOG_LEVEL: 'warn' } });
    assert.equal((await noDb.exited).code, 2);
    assert.match(noDb.output(), /needs DATABASE_URL/);
    const bad = await spawnScript(cliEntry(), ['start', '--replicas', 'social=2'], { env: { LOG_LEVEL: 'warn' } });
    assert.equal((await bad.exited).code, 2);
    assert.match(bad.output(), /--replicas needs --topology services/);
  });

  it('--workers and --topology services without REDIS_URL exit 2 naming it (no per-process caches, timelines or buses)', { ...postgres.options, timeout: 120_000 }, async () => {
    const url = await postgres.create();
    const dataDir = await mkdtemp(join(tmpdir(), 'scalestack-noredis-'));
    try {
      for (const args of [['--workers', '2'], ['--topology', 'services']]) {
        const child = await spawnScript(cliEntry(), ['start', ...args], { env: { DATABASE_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
        // A topology that starts anyway would serve: give it long enough to show that, then stop it.
        assert.equal(await exitWithin(child, 30_000), 2, `${args.join(' ')}: refused\n${child.output()}`);
        assert.match(child.output(), /needs REDIS_URL/);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await postgres.drop(url);
    }
  });

  it('--workers 2 with REDIS_URL and no BUS_URL: every worker\'s bus is Redis, shared, not its own memory', { ...postgres.options, ...(postgres.options.skip ? {} : redisOptions), timeout: 180_000 }, async () => {
    const url = await postgres.create();
    const dataDir = await mkdtemp(join(tmpdir(), 'scalestack-workers-'));
    const prefix = `topo-${randomBytes(4).toString('hex')}`;
    // From the source, whatever the other suites run: workers are forked with their parent's tsx loader (`npx scalestack`).
    const system = await spawnScript(SOURCE_CLI_ENTRY, ['start', '--workers', '2'], {
      env: {
        DATABASE_URL: url, DATA_DIR: dataDir, REDIS_URL: TEST_REDIS_URL, CACHE_PREFIX: prefix,
        LOG_LEVEL: 'info', LOG_PRETTY: 'false', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1',
      },
    });
    try {
      await system.waitReady('/readyz', 150_000);
      const buses = system.output().split('\n').flatMap((line) => {
        if (!line.includes('"bus ready"')) return [];
        return [(JSON.parse(line) as { bus: string }).bus];
      });
      assert.deepEqual(buses, ['redis', 'redis'], system.output());
    } finally {
      await system.stop('SIGTERM', 30_000);
      // Its private prefix's keys (bus streams and job queues never expire) would outlive the run on the shared Redis.
      await dropRedisKeys(TEST_REDIS_URL, `${prefix}:*`);
      await rm(dataDir, { recursive: true, force: true });
      await postgres.drop(url);
    }
  });
});
