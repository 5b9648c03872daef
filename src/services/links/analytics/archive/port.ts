/** An archived day as a listing saw it. */
export interface ArchivedDay {
  day: string;
  /**
   * Changes whenever the day is archived anew (on a blob store: the object's ETag), so a local copy
   * made from an older listing is never read for a newer archive. '' where the files are read in place.
   */
  version: string;
}

/** Thrown when a listed day is no longer archived (restored or re-archived meanwhile): the reader lists again. */
export class ArchiveVanished extends Error {
  constructor(day: string) {
    super(`archived day ${day} vanished (no such file)`);
  }
}

/**
 * Where archived click days live: one ZSTD Parquet file per UTC day, written by archival, read by stats
 * queries, taken back by restore (docs/patterns/olap-archival.md). DuckDB reads local files only, so a
 * store that keeps days elsewhere hands out local copies (`localFiles`).
 *
 * Archival's crash safety rests on `commit` being atomic for readers: the day is archived (listed, `has`)
 * only once its whole file is in place, and stays so until `remove`.
 */
export interface ArchiveStore {
  /** `fs` (DATA_DIR/links/archive) or `blobs` (the blob store, BLOB_URL). */
  readonly kind: 'fs' | 'blobs';
  /** Archived days from `first` to `last` (inclusive, `YYYY-MM-DD`; omitted = unbounded), oldest first. */
  days(first?: string, last?: string): Promise<ArchivedDay[]>;
  has(day: string): Promise<boolean>;
  /** Local Parquet files with the day's events, for DuckDB to read; throws ArchiveVanished when the day is gone. */
  localFiles(archived: ArchivedDay): Promise<string[]>;
  /** A local path to write the day's new archive file to: never read until `commit` makes it the day's archive. */
  stagingOf(day: string): string;
  /** Makes the staged file the day's archive, whole or not at all from a reader's view; the staging path is gone after. */
  commit(staging: string, day: string): Promise<void>;
  /** The day is no longer archived: its file (and any local copy) is deleted. */
  remove(day: string): Promise<void>;
  close(): Promise<void>;
}
