import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where archived days live: compressed Parquet files partitioned by day,
 * Hive-style (`day=YYYY-MM-DD/clicks-<slot>.parquet`) under a directory: one
 * file per day and per hot store (slot) that held clicks of that day. The seam a
 * blob store plugs into (DuckDB reads local files and, with its httpfs
 * extension, s3:// URLs the same way); today it is the file system under DATA_DIR.
 */
export class ArchiveDir {
  constructor(
    readonly root: string,
    /** The hot store this instance archives for (see open-click-store.ts). */
    readonly slot: number,
  ) {
    mkdirSync(root, { recursive: true });
  }

  /** This slot's file of the day. */
  fileOf(day: string): string {
    return join(this.root, `day=${day}`, `clicks-${this.slot}.parquet`);
  }

  /** Every slot's file of the day: what a query over an archived day reads. */
  filesOf(day: string): string[] {
    const dir = join(this.root, `day=${day}`);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((name) => /^clicks-\d+\.parquet$/.test(name)).sort().map((name) => join(dir, name));
  }

  /** A temporary path next to the day's file; `commit` renames it over the file (atomic on one file system). */
  stagingOf(day: string): string {
    mkdirSync(join(this.root, `day=${day}`), { recursive: true });
    return join(this.root, `day=${day}`, `.clicks-${process.pid}-${Date.now()}.parquet`);
  }

  commit(staging: string, day: string): void {
    renameSync(staging, this.fileOf(day));
  }

  has(day: string): boolean {
    return existsSync(this.fileOf(day));
  }

  remove(day: string): void {
    rmSync(this.fileOf(day), { force: true });
  }

  /** Days with an archive file of any slot, sorted. */
  allDays(): string[] {
    return readdirSync(this.root)
      .filter((name) => /^day=\d{4}-\d{2}-\d{2}$/.test(name))
      .map((name) => name.slice(4))
      .filter((day) => this.filesOf(day).length > 0)
      .sort();
  }

  /** Days this slot has archived, sorted. */
  days(): string[] {
    return this.allDays().filter((day) => this.has(day));
  }
}
