// @isolated: SIGKILLs a system process mid-burst (5,000 events through the outbox and a Redis bus, real Postgres).
/**
 * Acceptance (issue 17, restart drill): the notifications worker SIGKILLed
 * during a burst of 5,000 events; after a restart every notification is
 * stored exactly once. The events are written to platform.outbox as social
 * would write them (each its own id); the relay of the running process
 * publishes them to Redis, its consumer stores them. The kill lands
 * between any two of those steps: the relay re-sends what it had not marked
 * sent, Redis redelivers what was not acknowledged (after visibility_ms),
 * and the inbox plus the (event, user) key absorb every repeat.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { USER_FOLLOWED } from '../../contracts/social.js';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { dbTargets } from '../../testing/db-targets.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../testing/redis-probe.js';
import { dropRedisKeys } from '../../testing/redis-keys.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { waitFor } from '../../platform/bus/testing/targets.js';

const EVENTS = 5000;
const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;
const options = postgres.options.skip ? postgres.options : skipUnlessAvailable(await redisUnavailable());

describe('notifications restart drill (SIGKILL during 5,000 events)', { ...options, timeout: Number(process.env['DRILL_TIMEOUT_MS'] ?? 300_000) }, () => {
  let dbUrl: string | undefined;
  let dataDir: string;
  let db: pg.Client;
  let system: NodeProcess | undefined;
  // The bus's streams and the cache's keys live under it on the shared Redis; dropped after the drill.
  const redisPrefix = `drill-${randomBytes(4).toString('hex')}`;
  const env = () => ({
    DATABASE_URL: dbUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn',
    // Unacknowledged messages of the killed consumer are reclaimed after 2 s, not the default 30.
    BUS_URL: `${TEST_REDIS_URL}?visibility_ms=2000`, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: redisPrefix,
  });

  before(async () => {
    dbUrl = await postgres.create();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-drill-'));
    db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
  });
  after(async () => {
    await system?.stop('SIGKILL');
    await db?.end();
    await postgres.drop(dbUrl);
    await rm(dataDir, { recursive: true, force: true });
    await dropRedisKeys(TEST_REDIS_URL, `${redisPrefix}:*`);
  });

  const t0 = Date.now();
  const note = (what: string) => process.stderr.write(`drill +${Date.now() - t0} ms: ${what}\n`);
  const stored = async () => {
    const { rows } = await db.query<{ n: string; events: string }>('select count(*) as n, count(distinct event_id) as events from notifications.notifications');
    return { n: Number(rows[0]!.n), events: Number(rows[0]!.events) };
  };

  it('every one of 5,000 follow events is stored exactly once across a SIGKILL and a restart', async () => {
    const settings = env();
    system = await spawnCli({ env: settings });
    note(`ready in ${Math.round(await system.waitReady('/readyz', 120_000))} ms`);
    // The burst, as social's outbox would hold it: 5,000 follows of 100 users by 5,000 followers.
    const values = Array.from({ length: EVENTS }, (_, i) => `('drill-${i}', '${USER_FOLLOWED}', '${(i % 100) + 1}', '{"followerId":${i + 1000},"followeeId":${(i % 100) + 1}}'::jsonb, '{}'::jsonb)`);
    await db.query(`insert into platform.outbox (id, topic, key, payload, headers) values ${values.join(',')}`);

    await waitFor('some notifications stored before the kill', async () => (await stored()).n >= 500, 60_000);
    const exit = await system.stop('SIGKILL');
    note(`killed with ${(await stored()).n} stored`);
    assert.equal(exit.signal, 'SIGKILL');
    const atKill = await stored();
    assert.ok(atKill.n < EVENTS, `the kill came after the burst was done (${atKill.n}); it proves nothing`);

    system = await spawnCli({ env: settings });
    await system.waitReady('/readyz', 120_000);
    note('restarted');
    const ticker = setInterval(() => void stored().then((c) => note(`${c.n} stored`)), 10_000);
    after(() => clearInterval(ticker));
    await waitFor(`${EVENTS} notifications`, async () => (await stored()).n >= EVENTS, Number(process.env['DRILL_TIMEOUT_MS'] ?? 300_000));
    // Redeliveries still in flight (reclaims, relay re-sends) have time to land, and must add nothing.
    await new Promise((r) => setTimeout(r, 4000));
    const final = await stored();
    note(`final ${JSON.stringify(final)}`);
    assert.deepEqual(final, { n: EVENTS, events: EVENTS }, `stored ${final.n} (${final.events} distinct events); ${atKill.n} were stored at the kill`);
    const { rows } = await db.query<{ n: string }>(`select count(*) as n from platform.outbox where id like 'drill-%' and sent_at is null`);
    assert.equal(Number(rows[0]!.n), 0);
  });
});
