import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archivalClicks, clickAt } from '../../../testing/click-fixtures.js';
import { archiveOldDays } from './archival.js';
import type { ClickStore } from './click-store.js';
import { dayStart } from './days.js';
import { openSharedClickStore } from './open-click-store.js';

/** Archival: old days move to Parquet, out of the hot store, and every answer stays the same; restore brings a day back. */
describe('click archival (hot Parquet files + one archive file per day, on DuckDB)', () => {
  let dir: string;
  let store: ClickStore;
  const { now, events, whole } = archivalClicks();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'links-archival-'));
    store = await openSharedClickStore({ dataDir: dir });
    await store.append(events);
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves days older than N to one ZSTD Parquet file per day, deletes them from the hot store, and answers identically', async () => {
    const daily = await store.stats('abc1234', whole.from, whole.to, 'day');
    const hourly = await store.stats('abc1234', dayStart('2026-03-01'), dayStart('2026-03-03'), 'hour');
    assert.equal(daily.total, 95);
    assert.equal(await store.hotCount(), 102);

    const moved = await archiveOldDays(store, 7, now);
    assert.deepEqual(moved, [{ day: '2026-03-01', events: 40 }, { day: '2026-03-02', events: 32 }]);
    assert.equal(await store.hotCount(), 30, 'only the recent day is left hot');
    const file = join(dir, 'links', 'archive', 'day=2026-03-01', 'clicks.parquet');
    assert.ok(existsSync(file) && statSync(file).size > 0);

    assert.deepEqual(await store.stats('abc1234', whole.from, whole.to, 'day'), daily);
    assert.deepEqual(await store.stats('abc1234', dayStart('2026-03-01'), dayStart('2026-03-03'), 'hour'), hourly);
    assert.equal((await store.stats('other99', whole.from, whole.to, 'day')).total, 7);
    // Nothing left to move: a second run is a no-op.
    assert.deepEqual(await archiveOldDays(store, 7, now), []);
  });

  it('hot leftovers of an interrupted move are dropped, not counted twice', async () => {
    // As if a move had renamed its file and crashed before deleting the hot rows: the rows are back in the hot store.
    await store.append(events.filter((e) => e.at < dayStart('2026-03-02')));
    assert.equal((await store.stats('abc1234', whole.from, whole.to, 'day')).total, 95, 'an archived day is read from its file alone');
    await store.archiveDay('2026-03-01');
    assert.equal(await store.hotCount(), 30);
    assert.equal((await store.stats('abc1234', whole.from, whole.to, 'day')).total, 95);
  });

  it('restore brings a day back into the hot store and removes its archive file; answers unchanged', async () => {
    const daily = await store.stats('abc1234', whole.from, whole.to, 'day');
    assert.equal(await store.restoreDay('2026-03-02'), 32);
    assert.equal(await store.hotCount(), 62);
    assert.equal(existsSync(join(dir, 'links', 'archive', 'day=2026-03-02', 'clicks.parquet')), false);
    assert.deepEqual(await store.stats('abc1234', whole.from, whole.to, 'day'), daily);
    // Restoring twice doubles nothing (there is no file left to restore).
    assert.equal(await store.restoreDay('2026-03-02'), 0);
    assert.equal(await store.hotCount(), 62);
  });

  it("another process's clicks are read too, hot and archived (processes sharing DATA_DIR)", async () => {
    const other = await openSharedClickStore({ dataDir: dir });
    try {
      await other.append([clickAt('2026-03-03', 1, 'abc1234', 'other.example'), clickAt('2026-03-10', 2, 'abc1234', 'other.example')]);
      let stats = await store.stats('abc1234', whole.from, whole.to, 'day');
      assert.equal(stats.total, 97, "the other writer's hot files are read");
      await store.archiveDay('2026-03-03');
      stats = await store.stats('abc1234', whole.from, whole.to, 'day');
      assert.equal(stats.total, 97, "one process archives the other's clicks");
      assert.ok(stats.series.some((s) => s.t === dayStart('2026-03-03') && s.clicks === 1));
      assert.deepEqual(await other.hotCount(), await store.hotCount());
    } finally {
      await other.close();
    }
  });
});
