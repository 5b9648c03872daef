import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/load-config.js';
import { fsBlobStore } from './fs-blobs.js';
import type { BlobStore } from './port.js';

export interface BlobSettings {
  /** BLOB_URL: unset = the file system; `s3://bucket[/prefix]?endpoint=...&region=...` = S3 or a compatible server. */
  url?: string | undefined;
  /** DATA_DIR: the fs store lives in `<DATA_DIR>/blobs`; `memory://` = a temporary directory removed at close. */
  dataDir: string;
}

/**
 * The one place the blob store is chosen (docs/adr/0034-blob-storage.md). The AWS SDK is imported only
 * when BLOB_URL asks for S3, so the embedded setup never loads it.
 */
export async function openBlobs(settings: BlobSettings): Promise<BlobStore> {
  if (settings.url) {
    const scheme = new URL(settings.url).protocol;
    if (scheme !== 's3:') throw new ConfigError(`BLOB_URL: unsupported scheme "${scheme}" (expected s3://, or unset for the file system)`);
    const { parseS3Url, s3BlobStore } = await import('./s3-blobs.js');
    return s3BlobStore(parseS3Url(settings.url));
  }
  if (settings.dataDir === 'memory://') {
    const root = await mkdtemp(join(tmpdir(), 'scalestack-blobs-'));
    return fsBlobStore(root, () => rm(root, { recursive: true, force: true }));
  }
  return fsBlobStore(join(settings.dataDir, 'blobs'));
}
