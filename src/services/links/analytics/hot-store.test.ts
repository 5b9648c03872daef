import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickEvent } from '../domain/click.js';
import { dayStart } from './days.js';
import { HotDir } from './hot-dir.js';
import { openSharedClickStore } from './open-click-store.js';

const click = (day: string, i: number): ClickEvent => ({ at: dayStart(day) + 1000 * i, code: 'hot1234', referrer: `r${i % 3}.example`, country: 'ZZ', ua: 'bot' });

/** The shared hot store: every process writes its own Parquet files, merges only its own, and readers count each batch once. */
describe('hot click files shared by processes', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'links-hot-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a reader takes per writer the widest files that do not overlap (a merge's leftovers are not read twice)", () => {
    const hot = new HotDir(join(dir, 'select'));
    mkdirSync(hot.dayDir('2026-01-01'), { recursive: true });
    for (const name of ['a-0-0-0', 'a-1-1-0', 'a-0-1-1', 'a-2-2-0', 'b-0-0-0', 'b-1-1-0']) writeFileSync(join(hot.dayDir('2026-01-01'), `${name}.parquet`), '');
    writeFileSync(join(hot.dayDir('2026-01-01'), '.a-staging.parquet'), '');
    const names = hot.select('2026-01-01').map((f) => f.path.split('/').at(-1));
    assert.deepEqual(names, ['a-0-1-1.parquet', 'a-2-2-0.parquet', 'b-0-0-0.parquet', 'b-1-1-0.parquet']);
  });

  it('a writer merges its files 16 at a time, and its whole previous day into one when a new day begins; counts unchanged', async () => {
    const store = await openSharedClickStore({ dataDir: join(dir, 'compact') });
    try {
      for (let i = 0; i < 40; i++) await store.append([click('2026-02-01', i)]);
      const dayDir = join(dir, 'compact', 'links', 'hot', 'day=2026-02-01');
      const levels = readdirSync(dayDir).map((name) => Number(/-(\d+)\.parquet$/.exec(name)![1])).sort();
      assert.deepEqual(levels, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1], '40 batches: two merged files of 16, 8 single batches');
      assert.equal(await store.hotCount(), 40);
      await store.append([click('2026-02-02', 0)]);
      assert.equal(readdirSync(dayDir).length, 1, 'the previous day is one file');
      assert.equal(await store.hotCount(), 41);
      assert.equal((await store.stats('hot1234', dayStart('2026-02-01'), dayStart('2026-02-03'), 'day')).total, 41);
    } finally {
      await store.close();
    }
  });

  // Files merged and deleted between a reader's listing and its read: the read lists again (and never fails).
  it("a reader in another process sees every committed batch once while the writer merges under it", async () => {
    const path = join(dir, 'race');
    const writer = await openSharedClickStore({ dataDir: path });
    const reader = await openSharedClickStore({ dataDir: path });
    try {
      let committed = 0;
      let done = false;
      const writing = (async () => {
        try {
          for (let i = 0; i < 80; i++) {
            await writer.append([click('2026-03-01', i)]);
            committed++;
          }
        } finally {
          done = true;
        }
      })();
      let reads = 0;
      while (!done) {
        const low = committed;
        const total = (await reader.stats('hot1234', dayStart('2026-03-01'), dayStart('2026-03-02'), 'hour')).total;
        // An append resolves after its merges, so one more batch than counted may already be renamed in.
        const high = committed + 1;
        assert.ok(total >= low && total <= high, `read ${total} while ${low}..${high} batches were committed`);
        reads++;
        // Before the first file exists the read needs no I/O: yield, or the writer's callbacks never run.
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writing;
      assert.ok(reads > 5, `only ${reads} reads overlapped the writes`);
      assert.equal(await reader.hotCount(), 80);
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
