import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { createArticle, feed, follow, registerUser } from '../../../testing/fixtures.js';

/**
 * Fan-out lag is observed once per delivered chunk, not once per finished
 * chain: a benchmark that stops while a long chain is half done must see the
 * chunks already delivered (and can count the rest as unfinished). Four
 * active followers in chunks of two are two deliveries; the chain's third,
 * empty page delivers nothing and is not a sample.
 */
const [pglite] = await dbTargets();
describe('fan-out lag per chunk', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem(pglite!, { FEED_STRATEGY: 'push', FEED_FANOUT_CHUNK: 2 });
  });
  after(async () => {
    await sys?.close();
  });

  it('four active followers in chunks of two: two chunk-lag samples for one post', async () => {
    const author = await registerUser(sys.api);
    for (let i = 0; i < 4; i++) {
      const reader = await registerUser(sys.api);
      await follow(sys.api, reader.token, author.username);
      await feed(sys.api, reader.token); // active, with a timeline
    }
    const count = async () => {
      const text = (await sys.api.get<string>('/metrics')).body;
      const line = text.split('\n').find((l) => l.startsWith('feed_fanout_chunk_lag_seconds_count{'));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const before = await count();
    await createArticle(sys.api, author.token);
    const started = Date.now();
    while ((await count()) - before < 2 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 20));
    // A moment more: the third (empty) page must not be counted.
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await count()) - before, 2);
  });
});
