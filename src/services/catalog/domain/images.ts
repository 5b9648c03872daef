import { createHash } from 'node:crypto';
import { errors } from '../../../platform/errors/catalog.js';
import type { BlobObject, BlobStore } from '../../../platform/blobs/port.js';
import type { ProductsDomain } from './products.js';
import type { ProductView } from './views.js';

/** Formats sharp decodes and browsers show; the type comes from the bytes, never from the client's header. */
const ACCEPTED = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif']);

/** Widths of the WebP variants made at upload (never enlarged): a page image and a thumbnail. */
export const VARIANTS = { w800: 800, w200: 200 } as const;
export type Variant = keyof typeof VARIANTS | 'original';

export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The image libraries load on the first upload, not at start: sharp (libvips) and file-type are ~40 MB of
 * resident memory (measured with a bare `import` of each) that a process serving only reads never needs.
 */
const imaging = async () => ({ sharp: (await import('sharp')).default, fileTypeFromBuffer: (await import('file-type')).fileTypeFromBuffer });

const keyOf = (sha256: string, variant: Variant) => `images/${sha256}/${variant === 'original' ? 'original' : `${variant}.webp`}`;

/**
 * Product images in the blob store under content-addressed keys (`images/<sha256 of the original>/...`):
 * the same bytes uploaded twice are stored once, and a key's content never changes, so every answer can be
 * cached forever (ETag + immutable). Variants are written before the original, whose presence marks the
 * set complete; nothing is written before the bytes are known to be a decodable image within the limit.
 */
export class ProductImages {
  constructor(
    private readonly blobs: BlobStore,
    private readonly products: ProductsDomain,
  ) {}

  async upload(productId: number, bytes: Buffer): Promise<ProductView> {
    await this.products.get(productId); // 404 before any work for an unknown product
    if (bytes.length === 0) throw errors.blank('image');
    const { sharp, fileTypeFromBuffer } = await imaging();
    const type = (await fileTypeFromBuffer(bytes))?.mime;
    if (!type || !ACCEPTED.has(type)) throw errors.unsupportedMediaType(type ?? 'of this file (not an image)');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (!(await this.blobs.head(keyOf(sha256, 'original')))) {
      const variants = await Promise.all(
        Object.entries(VARIANTS).map(async ([name, width]) => {
          const webp = await sharp(bytes).rotate().resize({ width, withoutEnlargement: true }).webp().toBuffer().catch(() => {
            throw errors.validation({ image: ['cannot be decoded'] });
          });
          return [name as Variant, webp] as const;
        }),
      );
      for (const [name, webp] of variants) await this.blobs.put(keyOf(sha256, name), webp, { contentType: 'image/webp', cacheControl: IMMUTABLE });
      await this.blobs.put(keyOf(sha256, 'original'), bytes, { contentType: type, cacheControl: IMMUTABLE });
    }
    return this.products.addImage(productId, sha256);
  }

  /** The stored variant, or null; `ifNoneMatch` equal to its ETag answers `{ notModified: etag }` without reading the bytes. */
  async open(sha256: string, variant: Variant, ifNoneMatch?: string): Promise<BlobObject | { notModified: string } | null> {
    const key = keyOf(sha256, variant);
    if (ifNoneMatch) {
      const head = await this.blobs.head(key);
      if (!head) return null;
      if (ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === head.etag)) return { notModified: head.etag };
    }
    return this.blobs.get(key);
  }

  /** On S3, a presigned URL to send the client to instead of the bytes; null on the file system. */
  presigned(sha256: string, variant: Variant, ttlSeconds: number): Promise<string | null> {
    return this.blobs.presignedGetUrl(keyOf(sha256, variant), ttlSeconds);
  }
}
