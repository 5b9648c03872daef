import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ClickEvent } from '../domain/click.js';
import type { ArchiveDir } from './archive-dir.js';
import type { Bucket, ClickStats, ClickStore } from './click-store.js';
import { dayOf, dayStart, DAY_MS } from './days.js';

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: DAY_MS };

/**
 * The click store on DuckDB (embedded, columnar): the hot store is a table
 * in a DuckDB file (or in memory), archived days are Parquet files read by
 * the same engine in the same query. Invariant that keeps archival crash-safe:
 * a day with an archive file is answered from the file alone; hot rows of such
 * a day are leftovers of an interrupted move and are deleted by the next one.
 * (Clicks are stamped at redirect time, and only days older than
 * LINKS_ARCHIVE_AFTER_DAYS are archived, so no new click lands in an archived day.)
 */
export class DuckDbClickStore implements ClickStore {
  /** One connection, one statement at a time: appends, queries and archival never interleave mid-statement. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly archive: ArchiveDir,
  ) {}

  /** `path` ':memory:' or a file. */
  static async open(path: string, archive: ArchiveDir): Promise<DuckDbClickStore> {
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(`create table if not exists clicks (ts bigint not null, code varchar not null, referrer varchar not null, country varchar not null, ua varchar not null)`);
    return new DuckDbClickStore(instance, connection, archive);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }

  append(events: readonly ClickEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.serial(async () => {
      // The appender writes column chunks directly: ~1 µs per row, no SQL parsing per batch.
      const appender = await this.connection.createAppender('clicks');
      try {
        for (const e of events) {
          appender.appendBigInt(BigInt(e.at));
          appender.appendVarchar(e.code);
          appender.appendVarchar(e.referrer);
          appender.appendVarchar(e.country);
          appender.appendVarchar(e.ua);
          appender.endRow();
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    });
  }

  stats(code: string, from: number, to: number, bucket: Bucket): Promise<ClickStats> {
    return this.serial(async () => {
      // Archived days of every slot in the range are read from their files; this slot's own archived days are never read hot.
      const files = this.archive
        .allDays()
        .filter((day) => dayStart(day) < to && dayStart(day) + DAY_MS > from)
        .flatMap((day) => this.archive.filesOf(day));
      const archivedDayNumbers = this.archive.days().map((day) => dayStart(day) / DAY_MS);
      const hotOnly = archivedDayNumbers.length ? `and (ts // ${DAY_MS}) not in (${archivedDayNumbers.join(',')})` : '';
      const fromArchive = files.length
        ? `union all select ts, referrer from read_parquet([${files.map(literal).join(',')}]) where code = $1 and ts >= $2 and ts < $3`
        : '';
      const events = `select ts, referrer from clicks where code = $1 and ts >= $2 and ts < $3 ${hotOnly} ${fromArchive}`;
      const params = [code, BigInt(from), BigInt(to)];
      const width = BUCKET_MS[bucket];
      const series = await this.connection.runAndReadAll(
        `select (ts // ${width}) * ${width} as t, count(*) as clicks from (${events}) group by 1 order by 1`,
        params,
      );
      const referrers = await this.connection.runAndReadAll(
        `select referrer as host, count(*) as clicks from (${events}) group by 1 order by 2 desc, 1 limit 10`,
        params,
      );
      const seriesRows = series.getRows().map(([t, n]) => ({ t: Number(t), clicks: Number(n) }));
      return {
        series: seriesRows,
        topReferrers: referrers.getRows().map(([host, n]) => ({ host: String(host), clicks: Number(n) })),
        total: seriesRows.reduce((sum, row) => sum + row.clicks, 0),
      };
    });
  }

  hotDaysBefore(before: number): Promise<string[]> {
    return this.serial(async () => {
      const rows = await this.connection.runAndReadAll(`select distinct ts // ${DAY_MS} as d from clicks where ts < $1 order by 1`, [BigInt(before)]);
      return rows.getRows().map(([d]) => dayOf(Number(d) * DAY_MS));
    });
  }

  archiveDay(day: string): Promise<number> {
    return this.serial(async () => {
      const start = BigInt(dayStart(day));
      const end = start + BigInt(DAY_MS);
      const range = [start, end];
      const count = Number((await this.connection.runAndReadAll(`select count(*) from clicks where ts >= $1 and ts < $2`, range)).getRows()[0]?.[0] ?? 0);
      if (!this.archive.has(day)) {
        if (count === 0) return 0;
        // Written aside and renamed: a reader never sees half a file. ZSTD: ~10x smaller than the raw rows.
        const staging = this.archive.stagingOf(day);
        await this.connection.run(
          `copy (select * from clicks where ts >= ${start} and ts < ${end} order by code, ts) to ${literal(staging)} (format parquet, compression zstd)`,
        );
        this.archive.commit(staging, day);
      }
      // The file holds the day now (this run's, or an interrupted run's): its hot rows go.
      await this.connection.run(`delete from clicks where ts >= $1 and ts < $2`, range);
      return count;
    });
  }

  restoreDay(day: string): Promise<number> {
    return this.serial(async () => {
      if (!this.archive.has(day)) return 0;
      const start = BigInt(dayStart(day));
      const range = [start, start + BigInt(DAY_MS)];
      // Idempotent: an interrupted restore's rows are replaced, not doubled.
      await this.connection.run(`delete from clicks where ts >= $1 and ts < $2`, range);
      await this.connection.run(`insert into clicks select ts, code, referrer, country, ua from read_parquet(${literal(this.archive.fileOf(day))})`);
      const count = Number((await this.connection.runAndReadAll(`select count(*) from clicks where ts >= $1 and ts < $2`, range)).getRows()[0]?.[0] ?? 0);
      this.archive.remove(day);
      return count;
    });
  }

  hotCount(): Promise<number> {
    return this.serial(async () => Number((await this.connection.runAndReadAll('select count(*) from clicks')).getRows()[0]?.[0] ?? 0));
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      // A checkpoint folds the write-ahead log into the file, so the next open starts fast.
      await this.connection.run('checkpoint').catch(() => {});
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }
}

/** A SQL string literal (paths are ours, but quoting keeps a `'` in DATA_DIR from breaking the statement). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
