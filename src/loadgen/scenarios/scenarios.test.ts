import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliEntry, spawnCli, spawnScript, type NodeProcess } from '../../testing/cli-process.js';
import { runLoad } from '../run.js';
import { loadSeed, type SeedData } from '../seed/seed-data.js';
import { parseStages } from '../stages.js';

/**
 * `scalestack seed` then every scenario, against the real system in its own
 * process (embedded, in memory, cheapest password hashing, no rate limits): the seed is
 * usable and each scenario's requests all succeed.
 */
let system: NodeProcess;
let dir: string;
let seedFile: string;
let seed: SeedData;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scalestack-seed-'));
  seedFile = join(dir, 'seed.json');
  // Rate limits off: this checks the scenarios' requests are right, not the limiter (a login storm meets 429s).
  const env = { DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', RATE_LIMIT_ENABLED: 'false' };
  system = await spawnCli({ env });
  await system.waitReady('/readyz', 60_000);
});

after(async () => {
  await system?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('scalestack seed creates users, a follow graph and articles, and saves what scenarios need', async () => {
  const args = ['seed', '--users', '30', '--articles', '40', '--follows', '4', '--concurrency', '8', '--target', system.url, '--out', seedFile];
  const child = await spawnScript(cliEntry(), args);
  const exit = await child.exited;
  assert.equal(exit.code, 0, child.output());
  assert.match(child.output(), /seeded 30 users, \d+ follows, 40 articles/);
  seed = await loadSeed(seedFile);
  assert.equal(seed.users.length, 30);
  assert.equal(seed.articles.length, 40);
  assert.ok(seed.follows > 30, `${seed.follows} follows`);
  assert.equal(seed.users.reduce((s, u) => s + u.followers, 0), seed.follows);
  // The server agrees: a follower's feed holds articles of the people they follow.
  const withFeed = await Promise.all(
    seed.users.map(async (u) => {
      const res = await fetch(`${system.url}/api/articles/feed`, { headers: { authorization: `Token ${u.token}` } });
      assert.equal(res.status, 200);
      return ((await res.json()) as { articlesCount: number }).articlesCount;
    }),
  );
  assert.ok(withFeed.some((n) => n > 0), 'no seeded user has anything in their feed');
});

for (const scenario of ['social', 'social-reads', 'browse', 'auth', 'mixed']) {
  test(`scenario ${scenario}: every request succeeds against the seeded system`, async () => {
    assert.ok(seed, 'seed test must run first');
    const report = await runLoad({
      scenario,
      target: system.url,
      stages: parseStages(['steady:2s:30']),
      arrival: 'poisson',
      // Enough connections and grace that a slow moment of a shared machine is not a backlog at the end:
      // this test is about every request succeeding, and the end of a run now counts what is left as timed out.
      connections: 32,
      timeoutMs: 10_000,
      graceMs: 10_000,
      thresholds: [],
      seedFile,
      path: '/',
      randomSeed: 7,
      live: null,
    });
    assert.ok(report.summary.completed > 20, `${report.summary.completed} completed`);
    assert.equal(report.summary.errors, 0, JSON.stringify(report.errorSamples));
    assert.ok(Object.keys(report.byType).length >= 1);
    if (scenario === 'social-reads') assert.deepEqual(Object.keys(report.byType).sort(), ['author-articles', 'feed'], 'reads only');
  });
}
