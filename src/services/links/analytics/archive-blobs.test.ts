import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { openBlobs } from '../../../platform/blobs/open-blobs.js';
import type { BlobStore } from '../../../platform/blobs/port.js';
import { ownS3Options, S3RVER_ENV, startOwnS3, type OwnS3 } from '../../../testing/s3-server.js';
import { archivalClicks, clickAt } from '../../../testing/click-fixtures.js';
import { archiveOldDays } from './archival.js';
import { BlobArchive } from './archive/blob-archive.js';
import { dayStart } from './days.js';
import { DuckDbClickStore } from './duckdb-click-store.js';
import { HotDir } from './hot-dir.js';
import { openSharedClickStore } from './open-click-store.js';

/** With BLOB_URL, archived days are objects in the blob store: here a real S3-compatible server (s3rver) over HTTP. */
describe('click archival to S3 (BLOB_URL, on s3rver)', ownS3Options(), () => {
  let s3: OwnS3;
  let sdk: S3Client;
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'links-archive-s3-'));
    dirs.push(dir);
    return dir;
  };
  let dir: string;
  let store: DuckDbClickStore;
  const { now, events, whole } = archivalClicks();
  const archivedRange = { from: dayStart('2026-03-01'), to: dayStart('2026-03-03') };
  const key = (day: string) => `links/clicks/day=${day}/clicks.parquet`;
  /** What is really in the bucket, listed with the AWS SDK itself. */
  const bucketKeys = async () => ((await sdk.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).map((o) => o.Key).sort();
  const hotFiles = (root: string, day: string) => new HotDir(join(root, 'links', 'hot')).list(day).length;

  before(async () => {
    s3 = await startOwnS3();
    sdk = new S3Client({
      region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true,
      credentials: { accessKeyId: S3RVER_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: S3RVER_ENV.AWS_SECRET_ACCESS_KEY },
    });
    dir = newDir();
    store = await openSharedClickStore({ dataDir: dir, blobUrl: s3.url });
    await store.append(events);
  });
  after(async () => {
    await store?.close();
    sdk?.destroy();
    await s3?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('archives each old day as one Parquet object in the bucket, deletes it from the hot store, and answers identically', async () => {
    const daily = await store.stats('abc1234', whole.from, whole.to, 'day');
    const hourly = await store.stats('abc1234', archivedRange.from, archivedRange.to, 'hour');
    assert.equal(daily.total, 95);

    assert.deepEqual(await archiveOldDays(store, 7, now), [{ day: '2026-03-01', events: 40 }, { day: '2026-03-02', events: 32 }]);
    assert.deepEqual(await bucketKeys(), [key('2026-03-01'), key('2026-03-02')]);
    const object = await sdk.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key('2026-03-01') }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    assert.equal(bytes.subarray(0, 4).toString(), 'PAR1', 'the object is a Parquet file');
    assert.equal(await store.hotCount(), 30, 'only the recent day is left hot');
    assert.equal(hotFiles(dir, '2026-03-01') + hotFiles(dir, '2026-03-02'), 0, 'the hot files of the archived days are deleted');
    assert.equal(existsSync(join(dir, 'links', 'archive')), false, 'nothing is archived on the file system');

    assert.deepEqual(await store.stats('abc1234', whole.from, whole.to, 'day'), daily);
    assert.deepEqual(await store.stats('abc1234', archivedRange.from, archivedRange.to, 'hour'), hourly);
    assert.equal((await store.stats('other99', whole.from, whole.to, 'day')).total, 7);
    assert.deepEqual(await archiveOldDays(store, 7, now), [], 'nothing left to move');
  });

  it('a process on another DATA_DIR (another machine) answers the archived days from the bucket, downloading each once', async () => {
    const otherDir = newDir();
    const other = await openSharedClickStore({ dataDir: otherDir, blobUrl: s3.url });
    try {
      const expected = await store.stats('abc1234', archivedRange.from, archivedRange.to, 'hour');
      assert.deepEqual(await other.stats('abc1234', archivedRange.from, archivedRange.to, 'hour'), expected);
      const cached = join(otherDir, 'links', 'archive-cache', 'day=2026-03-01');
      const copies = readdirSync(cached);
      assert.equal(copies.length, 1);
      const copy = copies[0]!;
      assert.ok(copy.endsWith('.parquet'));
      const first = statSync(join(cached, copy));
      assert.deepEqual(await other.stats('abc1234', archivedRange.from, archivedRange.to, 'hour'), expected);
      const again = statSync(join(cached, copy));
      assert.deepEqual([again.ino, again.mtimeMs], [first.ino, first.mtimeMs], 'the second query reads the same local copy');

      // Restored, changed and archived anew by the first process: the other's old copy must not answer.
      assert.equal(await store.restoreDay('2026-03-02'), 32);
      await store.append([clickAt('2026-03-02', 20, 'abc1234', 'late.example'), clickAt('2026-03-02', 21, 'abc1234', 'late.example')]);
      assert.equal(await store.archiveDay('2026-03-02'), 34);
      const now2 = await store.stats('abc1234', archivedRange.from, archivedRange.to, 'day');
      assert.equal(now2.total, 67);
      assert.deepEqual(await other.stats('abc1234', archivedRange.from, archivedRange.to, 'day'), now2);
      assert.equal(readdirSync(join(otherDir, 'links', 'archive-cache', 'day=2026-03-02')).length, 1, 'the stale copy is dropped');
    } finally {
      await other.close();
    }
  });

  it('an upload that fails, before or after it lands, neither loses nor doubles a click; the next run completes the move', async () => {
    // Its own DATA_DIR and code, over the same bucket, through a blob store that fails on demand around the real PUT.
    const crashDir = newDir();
    const real = await openBlobs({ url: s3.url, dataDir: crashDir });
    let failure: 'before upload' | 'after upload' | undefined;
    const faulty: BlobStore = {
      ...real,
      async put(k, body, options) {
        if (failure === 'before upload') throw new Error('connection reset before the upload');
        const info = await real.put(k, body, options);
        if (failure === 'after upload') throw new Error('response lost after the upload landed');
        return info;
      },
    };
    const crashing = await DuckDbClickStore.open(
      new HotDir(join(crashDir, 'links', 'hot')),
      new BlobArchive(faulty, join(crashDir, 'links', 'archive-cache')),
    );
    try {
      const day = '2026-03-05';
      await crashing.append(Array.from({ length: 12 }, (_, i) => clickAt(day, i, 'crash01', 'c.example')));
      const expected = await crashing.stats('crash01', whole.from, whole.to, 'hour');
      assert.equal(expected.total, 12);
      const cacheOf = join(crashDir, 'links', 'archive-cache', `day=${day}`);

      failure = 'before upload';
      await assert.rejects(crashing.archiveDay(day), /before the upload/);
      assert.ok(!(await bucketKeys()).includes(key(day)));
      assert.equal(await crashing.hotCount(), 12, 'the hot files are kept');
      assert.deepEqual(await crashing.stats('crash01', whole.from, whole.to, 'hour'), expected);
      assert.deepEqual(readdirSync(cacheOf), [], 'no staging file is left behind');

      failure = 'after upload';
      await assert.rejects(crashing.archiveDay(day), /response lost/);
      assert.ok((await bucketKeys()).includes(key(day)), 'the object landed');
      assert.ok(hotFiles(crashDir, day) > 0, 'the hot files are still there');
      assert.deepEqual(await crashing.stats('crash01', whole.from, whole.to, 'hour'), expected, 'answered from the object alone: not doubled');
      assert.equal(await crashing.hotCount(), 0, 'hot leftovers of an archived day are not counted');

      failure = undefined;
      assert.equal(await crashing.archiveDay(day), 12);
      assert.equal(hotFiles(crashDir, day), 0, 'the next run deletes the leftovers');
      assert.deepEqual(await crashing.stats('crash01', whole.from, whole.to, 'hour'), expected);
      assert.equal(await crashing.restoreDay(day), 12);
      assert.ok(!(await bucketKeys()).includes(key(day)));
    } finally {
      await crashing.close();
    }
  });

  it('restore brings a day back from its object into the hot store and deletes the object; answers unchanged', async () => {
    const daily = await store.stats('abc1234', whole.from, whole.to, 'day');
    const hot = await store.hotCount();
    assert.equal(await store.restoreDay('2026-03-01'), 40);
    assert.deepEqual(await bucketKeys(), [key('2026-03-02')]);
    assert.equal(existsSync(join(dir, 'links', 'archive-cache', 'day=2026-03-01')), false, 'the local copy is gone too');
    assert.equal(await store.hotCount(), hot + 40);
    assert.deepEqual(await store.stats('abc1234', whole.from, whole.to, 'day'), daily);
    assert.equal(await store.restoreDay('2026-03-01'), 0, 'nothing left to restore: nothing doubled');
    assert.equal(await store.hotCount(), hot + 40);
  });
});
