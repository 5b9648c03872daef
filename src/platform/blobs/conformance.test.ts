import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import { openBlobs } from './open-blobs.js';
import type { BlobStore } from './port.js';
import { ownS3Options, startOwnS3, type OwnS3 } from '../../testing/s3-server.js';

/** One contract, run against the file system store and against a real S3-compatible server (s3rver) over HTTP. */
interface Target {
  name: string;
  options: { skip?: string };
  open(): Promise<BlobStore>;
  stop(): Promise<void>;
}

let s3: OwnS3 | undefined;
const targets: Target[] = [
  { name: 'fs', options: {}, open: () => openBlobs({ dataDir: 'memory://' }), stop: async () => {} },
  {
    name: 's3 (s3rver)',
    options: ownS3Options(),
    open: async () => {
      s3 = await startOwnS3();
      return openBlobs({ url: s3.url, dataDir: 'memory://' });
    },
    stop: async () => s3?.stop(),
  },
];

const md5 = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

for (const target of targets) {
  describe(`blob store conformance: ${target.name}`, target.options, () => {
    let store: BlobStore;
    // Each test works under its own prefix, so tests never see each other's keys.
    const ns = () => `t-${randomUUID().slice(0, 8)}`;
    before(async () => {
      store = await target.open();
    });
    after(async () => {
      await store?.close();
      await target.stop();
    });

    test('put then get returns the same bytes, size, content type and an ETag that is the MD5 of the bytes', async () => {
      const key = `${ns()}/all-bytes.bin`;
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const put = await store.put(key, bytes, { contentType: 'application/x-test' });
      assert.deepEqual(put, { key, size: 256, contentType: 'application/x-test', etag: md5(bytes) });
      const got = await store.get(key);
      assert.ok(got);
      assert.deepEqual(await buffer(got.body), bytes);
      assert.equal(got.size, 256);
      assert.equal(got.contentType, 'application/x-test');
      assert.equal(got.etag, md5(bytes));
    });

    test('head answers the metadata without the body', async () => {
      const key = `${ns()}/h.txt`;
      await store.put(key, Buffer.from('hello'), { contentType: 'text/plain' });
      assert.deepEqual(await store.head(key), { key, size: 5, contentType: 'text/plain', etag: md5(Buffer.from('hello')) });
    });

    test('a missing key is null for get and head, and deleting it is not an error', async () => {
      const key = `${ns()}/missing`;
      assert.equal(await store.get(key), null);
      assert.equal(await store.head(key), null);
      await store.delete(key);
    });

    test('put on an existing key replaces it whole', async () => {
      const key = `${ns()}/r`;
      await store.put(key, Buffer.from('a much longer first value'), { contentType: 'text/plain' });
      await store.put(key, Buffer.from('short'), { contentType: 'text/csv' });
      const got = await store.get(key);
      assert.ok(got);
      assert.equal((await buffer(got.body)).toString(), 'short');
      assert.deepEqual({ size: got.size, type: got.contentType, etag: got.etag }, { size: 5, type: 'text/csv', etag: md5(Buffer.from('short')) });
    });

    test('delete removes the object', async () => {
      const key = `${ns()}/d`;
      await store.put(key, Buffer.from('x'), { contentType: 'text/plain' });
      await store.delete(key);
      assert.equal(await store.head(key), null);
      assert.equal(await store.get(key), null);
    });

    test('list answers the keys under a prefix in order, a page at a time', async () => {
      const prefix = `${ns()}/`;
      const names = ['c', 'a', 'b/1', 'b/2', 'd'];
      for (const name of names) await store.put(prefix + name, Buffer.from(name), { contentType: 'text/plain' });
      await store.put(`${prefix.slice(0, -1)}-other/a`, Buffer.from('not mine'), { contentType: 'text/plain' });
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.list(prefix, { limit: 2, ...(after === undefined ? {} : { after }) });
        pages += 1;
        seen.push(...page.items.map((i) => i.key));
        if (page.nextCursor === null) break;
        after = page.nextCursor;
      }
      assert.deepEqual(seen, ['a', 'b/1', 'b/2', 'c', 'd'].map((n) => prefix + n));
      assert.equal(pages, 3);
      const one = await store.list(`${prefix}b/`);
      assert.deepEqual(one.items.map((i) => ({ key: i.key, size: i.size, type: i.contentType })), [
        { key: `${prefix}b/1`, size: 3, type: 'text/plain' },
        { key: `${prefix}b/2`, size: 3, type: 'text/plain' },
      ]);
      assert.equal(one.nextCursor, null);
    });

    test('Hive-style keys (a `name=value` segment) are plain keys: put, get and listed under their prefix', async () => {
      const prefix = `${ns()}/day=2026-03-01/`;
      await store.put(`${prefix}clicks.parquet`, Buffer.from('p'), { contentType: 'application/vnd.apache.parquet' });
      const got = await store.get(`${prefix}clicks.parquet`);
      assert.ok(got);
      assert.equal((await buffer(got.body)).toString(), 'p');
      assert.deepEqual((await store.list(prefix)).items.map((i) => i.key), [`${prefix}clicks.parquet`]);
    });

    test('keys that could escape the store or mean different things on different stores are refused', async () => {
      for (const key of ['../x', 'a/../../x', '/abs', 'a//b', '', 'sp ace', 'a/./b', 'back\\slash']) {
        await assert.rejects(store.put(key, Buffer.from('x'), { contentType: 'text/plain' }), { code: 'SS_VALIDATION' }, key);
      }
    });

    if (target.name === 'fs') {
      test('fs cannot presign: the caller serves the bytes itself', async () => {
        assert.equal(await store.presignedGetUrl('a/b', 60), null);
      });
    } else {
      // s3rver checks the access key of a SigV4 request but not its signature (docs/adr/0034-blob-storage.md):
      // what is asserted here is that the URL is a signed, expiring one and works with no credentials.
      test('a presigned GET URL is signed, expires, and serves the object without credentials', async () => {
        const key = `${ns()}/p.txt`;
        await store.put(key, Buffer.from('presigned'), { contentType: 'text/plain' });
        const url = await store.presignedGetUrl(key, 60);
        assert.ok(url);
        const query = new URL(url).searchParams;
        assert.equal(query.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
        assert.equal(query.get('X-Amz-Expires'), '60');
        assert.match(query.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/);
        const ok = await fetch(url);
        assert.equal(ok.status, 200);
        assert.equal(ok.headers.get('content-type'), 'text/plain');
        assert.equal(await ok.text(), 'presigned');
      });
    }
  });
}

describe('openBlobs', () => {
  test('memory:// data dir gives a temporary directory that close removes', async () => {
    const store = await openBlobs({ dataDir: 'memory://' });
    await store.put('k', Buffer.from('v'), { contentType: 'text/plain' });
    const root = (await store.list('')).items.length;
    assert.equal(root, 1);
    const dirs = await import('node:fs/promises').then((fs) => fs.readdir('/tmp'));
    const mine = dirs.filter((d) => d.startsWith('scalestack-blobs-'));
    await store.close();
    const left = mine.filter((d) => existsSync(`/tmp/${d}`));
    assert.ok(left.length < mine.length, 'the temporary directory is gone after close');
  });

  test('an unknown scheme is a configuration error', async () => {
    await assert.rejects(openBlobs({ url: 'ftp://x', dataDir: 'memory://' }), /unsupported scheme/);
  });
});
