import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveDir } from './archive-dir.js';
import type { ClickStore } from './click-store.js';
import { DuckDbClickStore } from './duckdb-click-store.js';

/** At most this many processes share one DATA_DIR (the workers of `start --workers`). */
const MAX_SLOTS = 64;

/**
 * The one place the click store is chosen: DuckDB under DATA_DIR/links, or
 * with DATA_DIR=memory:// in memory with an archive in a temporary directory
 * removed on close. A DuckDB file is opened by one process at a time (it takes
 * a lock), so processes sharing a DATA_DIR each take the first free slot:
 * `clicks-0.duckdb`, `clicks-1.duckdb`, ... Each slot's hot store holds the
 * clicks its process served; archived days (Parquet) are shared by all of them.
 */
export async function openClickStore(dataDir: string): Promise<ClickStore & { slot: number }> {
  if (dataDir === 'memory://') {
    const dir = mkdtempSync(join(tmpdir(), 'scalestack-links-'));
    const store = await DuckDbClickStore.open(':memory:', new ArchiveDir(join(dir, 'archive'), 0));
    return Object.assign(bind(store), {
      slot: 0,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  }
  return openSlot(dataDir);
}

/** The first slot whose DuckDB file is free (or `slot` exactly, for offline tools). */
export async function openSlot(dataDir: string, slot?: number): Promise<ClickStore & { slot: number }> {
  const dir = join(dataDir, 'links');
  mkdirSync(dir, { recursive: true });
  let lastError: unknown;
  for (let n = slot ?? 0; n < (slot ?? MAX_SLOTS - 1) + 1; n++) {
    try {
      const store = await DuckDbClickStore.open(join(dir, `clicks-${n}.duckdb`), new ArchiveDir(join(dir, 'archive'), n));
      return Object.assign(bind(store), { slot: n });
    } catch (err) {
      // Held by another process: try the next slot.
      if (!/lock/i.test((err as Error).message)) throw err;
      lastError = err;
    }
  }
  throw lastError;
}

function bind(store: DuckDbClickStore): ClickStore {
  return {
    append: (events) => store.append(events),
    stats: (code, from, to, bucket) => store.stats(code, from, to, bucket),
    hotDaysBefore: (before) => store.hotDaysBefore(before),
    archiveDay: (day) => store.archiveDay(day),
    restoreDay: (day) => store.restoreDay(day),
    hotCount: () => store.hotCount(),
    close: () => store.close(),
  };
}
