import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** One hot file: a writer's batches `first..last` (its own sequence numbers) of one day, merged `level` times. */
export interface HotFile {
  path: string;
  writer: string;
  first: number;
  last: number;
  level: number;
}

const FILE = /^([a-z0-9]+)-(\d+)-(\d+)-(\d+)\.parquet$/;

/**
 * The hot store shared by every process on one DATA_DIR: Parquet files
 * partitioned by day, each written by one process under its own name
 * (`day=YYYY-MM-DD/<writer>-<first>-<last>-<level>.parquet`), never changed
 * once renamed into place. No process ever writes another's files, so no
 * locks are needed; a query lists the day directories and reads every
 * writer's files: two processes give one answer.
 *
 * A writer merges its own files (compaction, `duckdb-click-store.ts`): the
 * merged file covers `first..last` of its inputs and is renamed in before the
 * inputs are deleted. A reader may list both (a merge in between, or one that
 * crashed before deleting): `select` keeps, per writer, the widest files that
 * do not overlap, so every batch is read exactly once.
 */
export class HotDir {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  dayDir(day: string): string {
    return join(this.root, `day=${day}`);
  }

  fileOf(day: string, writer: string, first: number, last: number, level: number): string {
    return join(this.dayDir(day), `${writer}-${first}-${last}-${level}.parquet`);
  }

  /** A temporary path in the day's directory (dot-prefixed: never listed); `commit` renames it into place. */
  stagingOf(day: string, writer: string): string {
    mkdirSync(this.dayDir(day), { recursive: true });
    return join(this.dayDir(day), `.${writer}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.parquet`);
  }

  commit(staging: string, path: string): void {
    renameSync(staging, path);
  }

  /** Every file of the day, leftovers of an interrupted merge included. */
  list(day: string): HotFile[] {
    const dir = this.dayDir(day);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((name) => {
      const m = FILE.exec(name);
      return m ? [{ path: join(dir, name), writer: m[1]!, first: Number(m[2]), last: Number(m[3]), level: Number(m[4]) }] : [];
    });
  }

  /** The files a reader reads: per writer, widest first, none overlapping one already taken. */
  select(day: string): HotFile[] {
    const files = this.list(day).sort((a, b) => (a.writer < b.writer ? -1 : a.writer > b.writer ? 1 : a.first - b.first || b.last - a.last));
    const taken: HotFile[] = [];
    let writer = '';
    let lastTaken = -1;
    for (const file of files) {
      if (file.writer !== writer) [writer, lastTaken] = [file.writer, -1];
      if (file.first <= lastTaken) continue;
      taken.push(file);
      lastTaken = file.last;
    }
    return taken;
  }

  /** Days with at least one hot file, sorted. */
  days(): string[] {
    return readdirSync(this.root)
      .filter((name) => /^day=\d{4}-\d{2}-\d{2}$/.test(name))
      .map((name) => name.slice(4))
      .filter((day) => this.list(day).length > 0)
      .sort();
  }

  remove(paths: readonly string[]): void {
    for (const path of paths) rmSync(path, { force: true });
  }

  /** Deletes every file of the day (after its archive file is in place, or before a restore writes it anew). */
  clear(day: string): void {
    this.remove(this.list(day).map((f) => f.path));
  }
}
