import { join } from 'node:path';
import { openBlobs } from '../../../../platform/blobs/open-blobs.js';
import { BlobArchive } from './blob-archive.js';
import { FsArchive } from './fs-archive.js';
import type { ArchiveStore } from './port.js';

/**
 * The one place the archive is chosen: with BLOB_URL (S3 or compatible) archived days are objects in
 * that store, read through a local cache under `dir` (DATA_DIR/links); without it, files under
 * `dir/archive`, as before. The two never mix: archived days of one are not read by the other.
 */
export async function openArchive(dir: string, blobUrl: string | undefined): Promise<ArchiveStore> {
  if (!blobUrl) return new FsArchive(join(dir, 'archive'));
  const blobs = await openBlobs({ url: blobUrl, dataDir: dir });
  return new BlobArchive(blobs, join(dir, 'archive-cache'));
}
