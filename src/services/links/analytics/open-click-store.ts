import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openArchive } from './archive/open-archive.js';
import { HotDir } from './hot-dir.js';
import type { ClickStore } from './click-store.js';
import { DuckDbClickStore } from './duckdb-click-store.js';

export interface ClickStoreSettings {
  /** DATA_DIR: the hot files (and the archive or its local cache) live under `<DATA_DIR>/links`. */
  dataDir: string;
  /** BLOB_URL: set, archived days go to that blob store (archive/open-archive.ts); unset, to the file system. */
  blobUrl?: string | undefined;
}

/**
 * The one place the click store is chosen: DuckDB over the Parquet files under
 * DATA_DIR/links (`hot/`, and `archive/` or the blob store), shared by every process on that
 * DATA_DIR; with DATA_DIR=memory:// over a temporary directory removed on close.
 */
export async function openClickStore(settings: ClickStoreSettings): Promise<ClickStore> {
  if (settings.dataDir === 'memory://') {
    const dir = mkdtempSync(join(tmpdir(), 'scalestack-links-'));
    const store = await openSharedClickStore({ ...settings, dataDir: dir });
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
  return openSharedClickStore(settings);
}

/** The click store of a DATA_DIR, as a new writer: what a process, the CLI or a test opens (no lock; any number at once). */
export async function openSharedClickStore(settings: ClickStoreSettings): Promise<DuckDbClickStore> {
  const dir = join(settings.dataDir, 'links');
  return DuckDbClickStore.open(new HotDir(join(dir, 'hot')), await openArchive(dir, settings.blobUrl));
}
