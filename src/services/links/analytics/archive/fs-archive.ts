import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ArchiveVanished, type ArchivedDay, type ArchiveStore } from './port.js';

const DAY_DIR = /^day=(\d{4}-\d{2}-\d{2})$/;

/**
 * Archived days on the file system, read in place: one compressed Parquet file per day, Hive-style
 * (`day=YYYY-MM-DD/clicks.parquet`) under DATA_DIR/links/archive, shared by every process on the
 * DATA_DIR (the store without BLOB_URL). Files named `clicks-<n>.parquet` (one per process slot, the
 * layout before the hot store was shared) are read too.
 */
export class FsArchive implements ArchiveStore {
  readonly kind = 'fs';

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** The day's file, as archival writes it. */
  fileOf(day: string): string {
    return join(this.root, `day=${day}`, 'clicks.parquet');
  }

  /** Every file of the day. */
  filesOf(day: string): string[] {
    const dir = join(this.root, `day=${day}`);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((name) => /^clicks(-\d+)?\.parquet$/.test(name)).sort().map((name) => join(dir, name));
  }

  async days(first?: string, last?: string): Promise<ArchivedDay[]> {
    return readdirSync(this.root)
      .flatMap((name) => DAY_DIR.exec(name)?.[1] ?? [])
      .filter((day) => (first === undefined || day >= first) && (last === undefined || day <= last) && this.filesOf(day).length > 0)
      .sort()
      .map((day) => ({ day, version: '' }));
  }

  async has(day: string): Promise<boolean> {
    return this.filesOf(day).length > 0;
  }

  async localFiles({ day }: ArchivedDay): Promise<string[]> {
    const files = this.filesOf(day);
    if (files.length === 0) throw new ArchiveVanished(day);
    return files;
  }

  /** Next to the day's file, dot-prefixed (never read); `commit` renames it over the file (atomic on one file system). */
  stagingOf(day: string): string {
    mkdirSync(join(this.root, `day=${day}`), { recursive: true });
    return join(this.root, `day=${day}`, `.clicks-${process.pid}-${Date.now()}.parquet`);
  }

  async commit(staging: string, day: string): Promise<void> {
    renameSync(staging, this.fileOf(day));
  }

  async remove(day: string): Promise<void> {
    for (const file of this.filesOf(day)) rmSync(file, { force: true });
  }

  async close(): Promise<void> {}
}
