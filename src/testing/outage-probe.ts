/**
 * What one request costs while Redis is away, without load: the system on
 * Postgres with cache, timelines and bus on a private redis-server, then 15
 * sequential rounds of the social scenario's three requests (feed, an
 * author's articles, a post) healthy, just after the kill, 1.5 s into the
 * outage, just after the restart and 1.5 s after it. On a machine too busy
 * for the 200 req/s drill this still shows whether requests wait on Redis.
 *   node --import tsx src/testing/outage-probe.ts
 */
import { dbTargets } from './db-targets.js';
import { startTestSystem } from './test-system.js';
import { startOwnRedis } from './redis-server.js';
import { seedForDrill } from './outage-drill.js';
import { sleep } from './fixtures.js';

const [, postgres] = await dbTargets();
const redis = await startOwnRedis();
const sys = await startTestSystem(postgres!, { REDIS_URL: redis.url, BUS_URL: redis.url });
const data = await seedForDrill(sys.url);
const users = data.users;
async function round(label: string) {
  const times: Record<string, number[]> = { feed: [], author: [], post: [] };
  for (let i = 0; i < 15; i++) {
    const u = users[i % users.length]!;
    let t = performance.now();
    await sys.api.get('/api/articles/feed?limit=20', { token: u.token });
    times.feed!.push(performance.now() - t);
    t = performance.now();
    await sys.api.get(`/api/articles?author=${users[(i * 7) % users.length]!.username}&limit=20`);
    times.author!.push(performance.now() - t);
    t = performance.now();
    const r = await sys.api.post('/api/articles', { article: { title: `p ${label} ${i} ${Math.random()}`, description: 'd', body: 'b', tagList: ['load'] } }, { token: u.token });
    if (r.status !== 201) console.log('post', r.status);
    times.post!.push(performance.now() - t);
  }
  const fmt = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return `p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)} max ${s.at(-1)!.toFixed(1)}`; };
  console.log(label, Object.entries(times).map(([k, v]) => `${k}: ${fmt(v)}`).join(' | '));
}
await round('healthy');
await redis.stop();
await round('down-0');
await sleep(1500);
await round('down-1.5s');
await redis.start();
await round('restarted');
await sleep(1500);
await round('back-1.5s');
await sys.close();
await redis.stop();
