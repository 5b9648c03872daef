import { mkdirSync, readdirSync, renameSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where archived days live: one compressed Parquet file per day, Hive-style
 * (`day=YYYY-MM-DD/clicks.parquet`) under a directory shared by every process
 * on the DATA_DIR. The seam a blob store plugs into (DuckDB reads local files
 * and, with its httpfs extension, s3:// URLs the same way); today it is the
 * file system under DATA_DIR. Files named `clicks-<n>.parquet` (one per
 * process slot, the layout before the hot store was shared) are read too.
 */
export class ArchiveDir {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** The day's file, as archival writes it. */
  fileOf(day: string): string {
    return join(this.root, `day=${day}`, 'clicks.parquet');
  }

  /** Every file of the day: what a query over an archived day reads. */
  filesOf(day: string): string[] {
    const dir = join(this.root, `day=${day}`);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((name) => /^clicks(-\d+)?\.parquet$/.test(name)).sort().map((name) => join(dir, name));
  }

  /** A temporary path next to the day's file (dot-prefixed: never read); `commit` renames it over the file (atomic on one file system). */
  stagingOf(day: string): string {
    mkdirSync(join(this.root, `day=${day}`), { recursive: true });
    return join(this.root, `day=${day}`, `.clicks-${process.pid}-${Date.now()}.parquet`);
  }

  commit(staging: string, day: string): void {
    renameSync(staging, this.fileOf(day));
  }

  has(day: string): boolean {
    return this.filesOf(day).length > 0;
  }

  /** Removes every file of the day. */
  remove(day: string): void {
    for (const file of this.filesOf(day)) rmSync(file, { force: true });
  }

  /** Days with an archive file, sorted. */
  days(): string[] {
    return readdirSync(this.root)
      .filter((name) => /^day=\d{4}-\d{2}-\d{2}$/.test(name))
      .map((name) => name.slice(4))
      .filter((day) => this.has(day))
      .sort();
  }
}
