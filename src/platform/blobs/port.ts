import type { Readable } from 'node:stream';

/** What a store knows about one object; `etag` is quoted, ready for an HTTP ETag header. */
export interface BlobInfo {
  key: string;
  size: number;
  contentType: string;
  etag: string;
}

export interface BlobObject extends BlobInfo {
  /** The bytes, streamed: a caller that does not read it must destroy it. */
  body: Readable;
}

export interface BlobPage {
  items: BlobInfo[];
  /** Pass back as `after` for the next page; null on the last. */
  nextCursor: string | null;
}

export interface PutOptions {
  contentType: string;
  /** Stored with the object and sent by S3 itself on presigned or public GETs. */
  cacheControl?: string;
}

/**
 * Objects by key (docs/patterns/blob-storage.md, docs/adr/0034-blob-storage.md).
 * Keys are `[A-Za-z0-9._=-]` segments joined by `/`; `put` on an existing key replaces it whole;
 * `delete` of a missing key is not an error. Values are whole objects, written in one call: callers
 * bound their size (catalog images) before `put`.
 */
export interface BlobStore {
  readonly kind: 'fs' | 's3';
  put(key: string, body: Buffer, options: PutOptions): Promise<BlobInfo>;
  /** null when there is no such object. */
  get(key: string): Promise<BlobObject | null>;
  head(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix`, in byte order, `limit` (default 1000) at a time after `after`. */
  list(prefix: string, options?: { after?: string; limit?: number }): Promise<BlobPage>;
  /** A URL anyone may GET for `ttlSeconds` without credentials; null when the store cannot make one (fs). */
  presignedGetUrl(key: string, ttlSeconds: number): Promise<string | null>;
  close(): Promise<void>;
}
