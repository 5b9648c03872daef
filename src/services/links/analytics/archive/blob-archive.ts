import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../../../../platform/blobs/port.js';
import { ArchiveVanished, type ArchivedDay, type ArchiveStore } from './port.js';

/** Keys are Hive-style, so other tools can read the bucket as one partitioned data set (`day` column). */
export const ARCHIVE_PREFIX = 'links/clicks/';
const KEY = /^links\/clicks\/day=(\d{4}-\d{2}-\d{2})\/clicks\.parquet$/;
export const archiveKeyOf = (day: string) => `${ARCHIVE_PREFIX}day=${day}/clicks.parquet`;

const CONTENT_TYPE = 'application/vnd.apache.parquet';
/** A single-part upload's ETag is the MD5 of the bytes: a download is checked against it. */
const PLAIN_MD5 = /^[0-9a-f]{32}$/;

/**
 * Archived days as objects in the blob store (BLOB_URL: S3 or a compatible server), one per day.
 * DuckDB cannot read s3:// here (its httpfs extension is downloaded from the internet at first use), so
 * a query reads local copies: `cache/day=D/<etag>.parquet`, downloaded on first use, shared by the
 * processes on the DATA_DIR. A copy is named by the ETag a fresh listing gives, so a day restored and
 * archived again (another ETag) is downloaded anew, never answered from the old copy.
 */
export class BlobArchive implements ArchiveStore {
  readonly kind = 'blobs';

  constructor(private readonly blobs: BlobStore, readonly cache: string) {
    mkdirSync(cache, { recursive: true });
  }

  async days(first?: string, last?: string): Promise<ArchivedDay[]> {
    const found: ArchivedDay[] = [];
    // One object per day: a bounded range needs one page of that many keys (s3-blobs HEADs each listed key).
    const span = first !== undefined && last !== undefined ? Math.round((Date.parse(last) - Date.parse(first)) / 86_400_000) + 1 : 1000;
    const limit = Math.min(1000, Math.max(1, span));
    // Keys after `day=<first>` (a proper prefix of the day's key) start with that day's key.
    let after: string | undefined = first !== undefined ? `${ARCHIVE_PREFIX}day=${first}` : undefined;
    for (;;) {
      const page = await this.blobs.list(ARCHIVE_PREFIX, { limit, ...(after !== undefined ? { after } : {}) });
      for (const item of page.items) {
        const day = KEY.exec(item.key)?.[1];
        if (day === undefined) continue;
        if (last !== undefined && day > last) return found;
        found.push({ day, version: versionOf(item.etag) });
      }
      if (page.nextCursor === null) return found;
      after = page.nextCursor;
    }
  }

  async has(day: string): Promise<boolean> {
    return (await this.blobs.head(archiveKeyOf(day))) !== null;
  }

  async localFiles({ day, version }: ArchivedDay): Promise<string[]> {
    const copy = this.copyOf(day, version);
    if (existsSync(copy)) return [copy];
    const object = await this.blobs.get(archiveKeyOf(day));
    if (!object) throw new ArchiveVanished(day);
    // The object may have been archived anew since the listing: the copy is named by what was downloaded.
    const got = versionOf(object.etag);
    const path = this.copyOf(day, got);
    const tmp = this.tmpIn(day);
    const md5 = createHash('md5');
    try {
      await pipeline(object.body, new Transform({ transform: (chunk: Buffer, _, done) => (md5.update(chunk), done(null, chunk)) }), createWriteStream(tmp));
      if (PLAIN_MD5.test(got) && md5.digest('hex') !== got) throw new Error(`archived day ${day}: download does not match its ETag`);
      renameSync(tmp, path);
    } finally {
      rmSync(tmp, { force: true });
    }
    this.dropCopiesBut(day, path);
    return [path];
  }

  stagingOf(day: string): string {
    return this.tmpIn(day);
  }

  /** One PUT: S3 makes an object visible whole or not at all. The staged file then becomes the local copy. */
  async commit(staging: string, day: string): Promise<void> {
    const info = await this.blobs.put(archiveKeyOf(day), await readFile(staging), { contentType: CONTENT_TYPE });
    const copy = this.copyOf(day, versionOf(info.etag));
    renameSync(staging, copy);
    this.dropCopiesBut(day, copy);
  }

  async remove(day: string): Promise<void> {
    await this.blobs.delete(archiveKeyOf(day));
    rmSync(join(this.cache, `day=${day}`), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await this.blobs.close();
  }

  private copyOf(day: string, version: string): string {
    return join(this.cache, `day=${day}`, `${version}.parquet`);
  }

  /** A dot-prefixed path in the day's cache directory: never taken for a copy. */
  private tmpIn(day: string): string {
    mkdirSync(join(this.cache, `day=${day}`), { recursive: true });
    return join(this.cache, `day=${day}`, `.${process.pid}-${randomBytes(6).toString('hex')}.parquet`);
  }

  /** Copies of older versions are never read again (a reader racing this lists again, like after a merge). */
  private dropCopiesBut(day: string, keep: string): void {
    const dir = join(this.cache, `day=${day}`);
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path !== keep && !name.startsWith('.')) rmSync(path, { force: true });
    }
  }
}

/** The ETag without quotes, reduced to characters safe in a file name (S3's multipart form `<md5>-<parts>` stays as is). */
function versionOf(etag: string): string {
  return etag.replace(/[^A-Za-z0-9-]/g, '') || 'none';
}
