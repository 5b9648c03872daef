// What a celebrity's post costs the stores it talks to, and what an idle second does (docs/perf/results.md):
//   node --import tsx docs/perf/round-trips-per-post.mts <checkout>
// The system runs in this process on Postgres (TEST_DATABASE_URL) and a private redis-server, hybrid feed with a
// celebrity threshold of 3. Postgres statements are counted at the driver (every pg Client.query, the system's
// and its relays'); Redis commands from the server's own INFO commandstats (commands run inside a Lua script
// count too). Each figure includes what the post's event does in the 1.5 s after it (relay, consumers).
import { createRequire } from 'node:module';

const root = process.argv[2]!;
const { startTestSystem } = await import(`${root}/src/testing/test-system.ts`);
const { dbTargets } = await import(`${root}/src/testing/db-targets.ts`);
const { registerUser, createArticle, follow } = await import(`${root}/src/testing/fixtures.ts`);
const { startOwnRedis } = await import(`${root}/src/testing/redis-server.ts`);
const fromRoot = createRequire(`${root}/package.json`);
const pg = fromRoot('pg') as { Client: { prototype: { query: (...args: unknown[]) => unknown } } };
const { Redis } = fromRoot('ioredis') as typeof import('ioredis');

let statements = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const redisServer = await startOwnRedis();
const target = (await dbTargets()).find((t: { name: string }) => t.name === 'postgres');
const sys = await startTestSystem(target, { REDIS_URL: redisServer.url, FEED_STRATEGY: 'hybrid', FEED_CELEBRITY_THRESHOLD: 3 });
const redis = new Redis(redisServer.url);

async function redisCalls(): Promise<number> {
  const info = (await redis.info('commandstats')) as string;
  let calls = 0;
  for (const m of info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (m[1] !== 'info') calls += Number(m[2]);
  return calls;
}

async function measure(label: string, times: number, work: () => Promise<void>): Promise<void> {
  const [s0, r0] = [statements, await redisCalls()];
  await work();
  await sleep(1500);
  const [s1, r1] = [statements, await redisCalls()];
  console.log(`${label}: ${((s1 - s0) / times).toFixed(1)} Postgres statements, ${((r1 - r0) / times).toFixed(1)} Redis commands`);
}

try {
  const celebrity = await registerUser(sys.api);
  const readers = [];
  for (let i = 0; i < 5; i++) readers.push(await registerUser(sys.api));
  for (const reader of readers) await follow(sys.api, reader.token, celebrity.username);
  for (let i = 0; i < 5; i++) await createArticle(sys.api, celebrity.token);
  for (const reader of readers) await sys.api.get('/api/articles/feed', { token: reader.token });
  await sleep(1500);
  await measure('an idle second', 5, () => sleep(5000 - 1500));
  await measure('a celebrity post (tagged)', 20, async () => {
    for (let i = 0; i < 20; i++) await createArticle(sys.api, celebrity.token, { tagList: ['load'] });
  });
  await measure('a warm feed read', 100, async () => {
    for (let i = 0; i < 20; i++) for (const reader of readers) await sys.api.get('/api/articles/feed', { token: reader.token });
  });
} finally {
  redis.disconnect();
  await sys.close();
  await redisServer.stop();
}
