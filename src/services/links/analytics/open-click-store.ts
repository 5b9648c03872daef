import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveDir } from './archive-dir.js';
import { HotDir } from './hot-dir.js';
import type { ClickStore } from './click-store.js';
import { DuckDbClickStore } from './duckdb-click-store.js';

/**
 * The one place the click store is chosen: DuckDB over the Parquet files under
 * DATA_DIR/links (`hot/` and `archive/`), shared by every process on that
 * DATA_DIR; with DATA_DIR=memory:// over a temporary directory removed on close.
 */
export async function openClickStore(dataDir: string): Promise<ClickStore> {
  if (dataDir === 'memory://') {
    const dir = mkdtempSync(join(tmpdir(), 'scalestack-links-'));
    const store = await openSharedClickStore(dir);
    return {
      append: (events) => store.append(events),
      stats: (code, from, to, bucket) => store.stats(code, from, to, bucket),
      hotDaysBefore: (before) => store.hotDaysBefore(before),
      archiveDay: (day) => store.archiveDay(day),
      restoreDay: (day) => store.restoreDay(day),
      hotCount: () => store.hotCount(),
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  return openSharedClickStore(dataDir);
}

/** The click store of a DATA_DIR, as a new writer: what a process, the CLI or a test opens (no lock; any number at once). */
export async function openSharedClickStore(dataDir: string): Promise<DuckDbClickStore> {
  const dir = join(dataDir, 'links');
  return DuckDbClickStore.open(new HotDir(join(dir, 'hot')), new ArchiveDir(join(dir, 'archive')));
}
