import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { ConfigError } from '../config/load-config.js';
import { checkBlobKey, checkBlobPrefix } from './blob-key.js';
import type { BlobInfo, BlobPage, BlobStore, PutOptions } from './port.js';

export interface S3Location {
  bucket: string;
  /** Every key is stored under this prefix (the URL's path), so buckets can be shared. */
  keyPrefix: string;
  client: S3ClientConfig;
}

/**
 * `s3://bucket[/prefix]?endpoint=http://host:port&region=eu-west-1&pathStyle=true`. Credentials are
 * never in the URL: the SDK's default chain reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or a profile,
 * or the pod's role). With an `endpoint` (MinIO, Garage, Ceph, s3rver) path-style addressing is the default.
 */
export function parseS3Url(url: string): S3Location {
  const parsed = new URL(url);
  if (parsed.protocol !== 's3:' || !parsed.hostname) throw new ConfigError(`BLOB_URL: expected s3://bucket[/prefix]?endpoint=..., got "${url}"`);
  const endpoint = parsed.searchParams.get('endpoint') ?? undefined;
  const pathStyle = parsed.searchParams.get('pathStyle');
  const path = decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  return {
    bucket: parsed.hostname,
    keyPrefix: path ? `${path}/` : '',
    client: {
      region: parsed.searchParams.get('region') ?? process.env['AWS_REGION'] ?? 'us-east-1',
      ...(endpoint ? { endpoint } : {}),
      forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
    },
  };
}

const missing = (error: unknown) =>
  error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NoSuchKey' || error.name === 'NotFound');

/** The S3 store on the official AWS SDK v3; presigned GETs by @aws-sdk/s3-request-presigner. */
export function s3BlobStore(location: S3Location): BlobStore {
  const client = new S3Client(location.client);
  const Bucket = location.bucket;
  const full = (key: string) => location.keyPrefix + checkBlobKey(key);
  const info = (key: string, size: number | undefined, contentType: string | undefined, etag: string | undefined): BlobInfo => ({
    key, size: size ?? 0, contentType: contentType ?? 'application/octet-stream', etag: etag ?? '""',
  });

  return {
    kind: 's3',
    async put(key: string, body: Buffer, options: PutOptions) {
      const out = await client.send(new PutObjectCommand({
        Bucket, Key: full(key), Body: body, ContentType: options.contentType, ContentLength: body.length,
        ...(options.cacheControl ? { CacheControl: options.cacheControl } : {}),
      }));
      return info(key, body.length, options.contentType, out.ETag);
    },
    async get(key: string) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: full(key) }));
        const body = out.Body instanceof Readable ? out.Body : Readable.from([]);
        return { ...info(key, out.ContentLength, out.ContentType, out.ETag), body };
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },
    async head(key: string) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: full(key) }));
        return info(key, out.ContentLength, out.ContentType, out.ETag);
      } catch (error) {
        if (missing(error)) return null;
        throw error;
      }
    },
    async delete(key: string) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: full(key) }));
    },
    async list(prefix: string, options = {}): Promise<BlobPage> {
      checkBlobPrefix(prefix);
      const limit = options.limit ?? 1000;
      const out = await client.send(new ListObjectsV2Command({
        Bucket, Prefix: location.keyPrefix + prefix, MaxKeys: limit,
        ...(options.after !== undefined ? { StartAfter: location.keyPrefix + options.after } : {}),
      }));
      // ListObjectsV2 carries no content type: one HEAD per item keeps BlobInfo whole (pages are small).
      const items = await Promise.all((out.Contents ?? []).map(async (object) => {
        const key = (object.Key ?? '').slice(location.keyPrefix.length);
        const head = await this.head(key);
        return head ?? info(key, object.Size, undefined, object.ETag);
      }));
      return { items, nextCursor: out.IsTruncated ? (items.at(-1)?.key ?? null) : null };
    },
    async presignedGetUrl(key: string, ttlSeconds: number) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: full(key) }), { expiresIn: ttlSeconds });
    },
    async close() {
      client.destroy();
    },
  };
}
