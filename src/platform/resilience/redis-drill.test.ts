// @isolated: kills and restarts a private redis-server and asserts a functional latency bound (issue 12.9).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { ownRedisOptions, startOwnRedis, type OwnRedis } from '../../testing/redis-server.js';
import { ARTICLE_PUBLISHED, describeDrill, runOutageDrill, seedForDrill } from '../../testing/outage-drill.js';
import type { SeedData } from '../../loadgen/seed/seed-data.js';
import { sleep } from '../../testing/fixtures.js';
import { openDatabase } from '../db/open-database.js';
import type { Database } from '../db/database.js';
import { openBus } from '../bus/open-bus.js';
import type { Bus } from '../bus/port.js';

const [, postgres] = await dbTargets();

/**
 * The bound: p99 under 50 ms over every response from one second after the
 * kill to the restart (healthy, a quiet machine answers the mix in ~4 ms
 * median); generous, yet far under what waiting on Redis cost (p99 4.3 s).
 */
const P99_BOUND_MS = 50;

describe('Redis killed for 7 s under the social scenario at 200 req/s (cache, timelines and bus on it)', { ...ownRedisOptions(), ...postgres!.options }, () => {
  let redis: OwnRedis;
  let databaseUrl: string | undefined;
  let system: NodeProcess;
  let db: Database;
  let bus: Bus;
  let data: SeedData;

  before(async () => {
    redis = await startOwnRedis();
    databaseUrl = await postgres!.create();
    // The system in its own process, as an operator runs it: the load generator in this one does not
    // share (and slow) the event loop whose latency is measured.
    system = await spawnCli({
      env: {
        DATABASE_URL: databaseUrl, REDIS_URL: redis.url, BUS_URL: redis.url,
        FEED_STRATEGY: 'hybrid', DATA_DIR: 'memory://', LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1',
        RATE_LIMIT_ENABLED: 'false',
      },
    });
    await system.waitReady('/readyz', 60_000);
    // This process's view of the system's database and bus: the probe consumer and the outbox count.
    db = await openDatabase({ url: databaseUrl, dataDir: 'memory://', poolMax: 2 });
    bus = await openBus({ url: redis.url, db });
    data = await seedForDrill(system.url);
  });
  after(async () => {
    await bus?.close();
    await db?.close();
    await system?.stop();
    await redis?.stop();
    await postgres!.drop(databaseUrl);
  });

  it('answers every request, p99 < 50 ms from one second after the kill until the restart, and delivers the events written meanwhile', async () => {
    const outbox = db.as<Record<string, never>>();
    // Events of the drill itself: written after the probe subscribed (the seed's came before).
    const { rows: [start] } = await sql<{ seq: string | null }>`select max(seq) as seq from platform.outbox`.execute(outbox);
    const delivered = new Set<string>();
    await bus.subscribe(ARTICLE_PUBLISHED, 'drill-probe', async (e) => {
      delivered.add(e.id);
    });
    // DRILL_RATE: a lower rate to compare before/after on a machine too busy to serve 200 req/s at all.
    const result = await runOutageDrill({ target: system.url, redis, seed: data, rate: Number(process.env['DRILL_RATE'] ?? 200) });
    console.log(describeDrill(result));
    if (process.env['DRILL_TIMELINE']) for (const s of result.timeline) console.log(`${s.startMs.toFixed(0)} p50 ${s.latency.p50} p99 ${s.latency.p99} n ${s.completed} ${JSON.stringify(Object.fromEntries(Object.entries(s.byType).map(([k, v]) => [k, v.latency.p99])))}`);
    assert.equal(result.errors, 0, `errors: ${JSON.stringify(result.errorReasons)}`);

    // The outbox kept what was written while the broker was away; the relay sent it once Redis was back.
    const { rows } = await sql<{ id: string }>`select id from platform.outbox where topic = ${ARTICLE_PUBLISHED} and seq > ${start?.seq ?? 0}`.execute(outbox);
    assert.ok(rows.length > 50, `${rows.length} articles were posted during the drill`);
    const deadline = Date.now() + 30_000;
    const missing = () => rows.filter((r) => !delivered.has(r.id));
    while (missing().length > 0 && Date.now() < deadline) await sleep(200);
    assert.deepEqual(missing().slice(0, 5), [], `${missing().length} of ${rows.length} events never delivered`);

    assert.ok(result.outage.requests > 500, `the load ran through the outage (${result.outage.requests} requests)`);
    assert.ok(result.outage.p99 < P99_BOUND_MS, `outage p99 ${result.outage.p99} ms`);
  });
});
