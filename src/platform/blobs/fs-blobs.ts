import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { checkBlobKey, checkBlobPrefix } from './blob-key.js';
import type { BlobInfo, BlobObject, BlobPage, BlobStore, PutOptions } from './port.js';

interface Meta {
  size: number;
  contentType: string;
  etag: string;
  cacheControl?: string;
}

/**
 * Objects as files under `root/data/<key>`, each with its metadata in `root/meta/<key>.json`.
 * A put writes a temporary file and renames it, data then metadata: a reader sees the old object or
 * the new one, never half of one; an object is visible once its metadata is. ETag = the MD5 of the bytes,
 * as S3 computes it for a single-part upload, so the same bytes carry the same ETag on either store.
 */
export function fsBlobStore(root: string, onClose?: () => Promise<void>): BlobStore {
  const dataPath = (key: string) => join(root, 'data', ...checkBlobKey(key).split('/'));
  const metaPath = (key: string) => `${join(root, 'meta', ...checkBlobKey(key).split('/'))}.json`;

  async function writeAtomically(path: string, content: Buffer | string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(root, 'tmp', randomUUID());
    await mkdir(dirname(tmp), { recursive: true });
    await writeFile(tmp, content);
    await rename(tmp, path);
  }

  async function readMeta(key: string): Promise<Meta | null> {
    try {
      return JSON.parse(await readFile(metaPath(key), 'utf8')) as Meta;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
  }

  async function walk(dir: string): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const files: string[] = [];
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) files.push(...(await walk(path)));
      else if (entry.name.endsWith('.json')) files.push(path);
    }
    return files;
  }

  const info = (key: string, meta: Meta): BlobInfo => ({ key, size: meta.size, contentType: meta.contentType, etag: meta.etag });

  return {
    kind: 'fs',
    async put(key: string, body: Buffer, options: PutOptions) {
      const meta: Meta = {
        size: body.length,
        contentType: options.contentType,
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        ...(options.cacheControl ? { cacheControl: options.cacheControl } : {}),
      };
      await writeAtomically(dataPath(key), body);
      await writeAtomically(metaPath(key), JSON.stringify(meta));
      return info(key, meta);
    },
    async get(key: string): Promise<BlobObject | null> {
      const meta = await readMeta(key);
      if (!meta) return null;
      const body = createReadStream(dataPath(key));
      // Opening fails if a delete raced us: report it as missing rather than as a broken stream.
      const opened = await new Promise<boolean>((resolve) => {
        body.once('open', () => resolve(true));
        body.once('error', () => resolve(false));
      });
      return opened ? { ...info(key, meta), body } : null;
    },
    async head(key: string) {
      const meta = await readMeta(key);
      return meta ? info(key, meta) : null;
    },
    async delete(key: string) {
      // Metadata first: the object disappears for readers before its bytes do.
      await rm(metaPath(key), { force: true });
      await rm(dataPath(key), { force: true });
    },
    async list(prefix: string, options = {}): Promise<BlobPage> {
      checkBlobPrefix(prefix);
      const limit = options.limit ?? 1000;
      const metaRoot = join(root, 'meta');
      const keys = (await walk(metaRoot))
        .map((path) => relative(metaRoot, path).split(sep).join('/').slice(0, -'.json'.length))
        .filter((key) => key.startsWith(prefix) && (options.after === undefined || key > options.after))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const page = keys.slice(0, limit);
      const items: BlobInfo[] = [];
      for (const key of page) {
        const meta = await readMeta(key);
        if (meta) items.push(info(key, meta));
      }
      return { items, nextCursor: keys.length > limit ? (page.at(-1) ?? null) : null };
    },
    async presignedGetUrl() {
      return null;
    },
    async close() {
      await onClose?.();
    },
  };
}
