import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ClickEvent } from '../domain/click.js';
import type { ClickStore } from './click-store.js';
import { ClickBatcher } from './click-batcher.js';

/** A column store that refuses appends until told otherwise; the batcher's bound is what is under test, not DuckDB. */
function flakyStore() {
  const written: ClickEvent[] = [];
  const store = {
    failing: true,
    written,
    append(events: readonly ClickEvent[]): Promise<void> {
      if (store.failing) return Promise.reject(new Error('store down'));
      written.push(...events);
      return Promise.resolve();
    },
  };
  return store;
}

const click = (i: number): ClickEvent => ({ at: i, code: 'abc1234', referrer: '', country: 'ZZ', ua: 'other' });
const HOUR_MS = 3_600_000;

describe('ClickBatcher', () => {
  it('keeps at most its bound (plus 1/16 slack) while the store fails, dropping the oldest and counting them', async () => {
    const store = flakyStore();
    const batcher = new ClickBatcher(store as unknown as ClickStore, HOUR_MS, pino({ level: 'silent' }), 64);
    for (let i = 0; i < 1000; i++) batcher.record(click(i));
    assert.ok(batcher.buffered <= 64 + 4, `buffered ${batcher.buffered}`);
    assert.equal(batcher.dropped + batcher.buffered, 1000, 'every event is either kept or counted as dropped');

    // A flush that fails puts its batch back in front of what arrived meanwhile; the bound still holds.
    const failed = batcher.flush();
    for (let i = 1000; i < 1060; i++) batcher.record(click(i));
    await failed;
    assert.equal(batcher.buffered, 64);
    assert.equal(batcher.dropped, 1060 - 64);

    store.failing = false;
    await batcher.close();
    assert.deepEqual(
      store.written.map((e) => e.at),
      Array.from({ length: 64 }, (_, k) => 1060 - 64 + k),
      'the newest 64 events are written, oldest first',
    );
  });

  it('drops the oldest in a few bulk cuts, not one array shift per recorded event', () => {
    const store = flakyStore();
    const batcher = new ClickBatcher(store as unknown as ClickStore, HOUR_MS, pino({ level: 'silent' }), 100_000);
    // 1,000,000 records past a 100k bound: one shift() per event was a million array moves;
    // cut in bulk it is one splice per 6,250 events. Counted, not timed.
    let cuts = 0;
    let last = 0;
    for (let i = 0; i < 1_100_000; i++) {
      batcher.record(click(i));
      if (batcher.dropped !== last) {
        cuts++;
        last = batcher.dropped;
      }
    }
    assert.equal(batcher.dropped, 1_100_000 - batcher.buffered);
    assert.ok(cuts <= 1_000_000 / 6_250 + 1, `${cuts} cuts`);
    void batcher.close().catch(() => {});
  });
});
