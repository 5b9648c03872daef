import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import { adminRequired } from '../../../platform/http/request-context.js';
import { errors } from '../../../platform/errors/catalog.js';
import { IMMUTABLE, type ProductImages } from '../domain/images.js';
import { ProductParams } from './schemas.js';

const ImageParams = Type.Object({
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  variant: Type.Union([Type.Literal('original'), Type.Literal('w800.webp'), Type.Literal('w200.webp')]),
});

export interface ImagesRouteOptions {
  /** CATALOG_IMAGE_MAX_BYTES: a larger file is refused with 413 before anything is stored. */
  maxBytes: number;
  /** CATALOG_IMAGE_REDIRECT_S: on S3, answer image GETs with a redirect to a URL presigned for this long; 0 = serve the bytes. */
  redirectSeconds: number;
}

/** Upload (admin, multipart field `image`) and content-addressed serving with ETag/304 and immutable caching. */
export function imagesRoutes(images: ProductImages, options: ImagesRouteOptions): FastifyPluginAsync {
  return async (fastify) => {
    await fastify.register(multipart, { limits: { fileSize: options.maxBytes, files: 1, fields: 0, parts: 1 } });
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/products/:id/images', { ...adminRequired, schema: { params: ProductParams } }, async (request, reply) => {
      if (!request.isMultipart()) throw errors.unsupportedMediaType('of this request (send multipart/form-data)');
      const bytes = await readImagePart(request, options.maxBytes);
      return reply.code(201).send({ product: await images.upload(request.params.id, bytes) });
    });

    app.get('/images/:sha256/:variant', { schema: { params: ImageParams } }, async (request, reply) => {
      const { sha256, variant } = request.params;
      const name = variant === 'original' ? 'original' : (variant.slice(0, -'.webp'.length) as 'w800' | 'w200');
      if (options.redirectSeconds > 0) {
        const url = await images.presigned(sha256, name, options.redirectSeconds);
        if (url) return reply.header('cache-control', `private, max-age=${Math.floor(options.redirectSeconds / 2)}`).redirect(url, 302);
      }
      const found = await images.open(sha256, name, request.headers['if-none-match']);
      if (!found) throw errors.notFound('image');
      reply.header('cache-control', IMMUTABLE);
      if ('notModified' in found) return reply.code(304).header('etag', found.notModified).send();
      return reply
        .header('etag', found.etag)
        .header('content-type', found.contentType)
        .header('content-length', found.size)
        .header('x-content-type-options', 'nosniff')
        .send(found.body);
    });
  };
}

/** The one file part, named `image`, as bytes; over the limit → 413 (the stream is drained, nothing kept). */
async function readImagePart(request: FastifyRequest, maxBytes: number): Promise<Buffer> {
  let part;
  try {
    part = await request.file();
  } catch (error) {
    throw mapMultipartError(error, maxBytes);
  }
  if (!part) throw errors.blank('image');
  if (part.fieldname !== 'image') {
    part.file.resume();
    throw errors.validation({ image: ['is missing: send the file in the multipart field "image"'] });
  }
  try {
    return await part.toBuffer();
  } catch (error) {
    throw mapMultipartError(error, maxBytes);
  }
}

function mapMultipartError(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return errors.bodyTooLarge(maxBytes);
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') return errors.unsupportedMediaType('of this request (send multipart/form-data)');
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') return errors.validation({ image: ['send one file part, named "image"'] });
  if (typeof code === 'string' && code.startsWith('FST_')) return errors.malformedBody('is not valid multipart/form-data');
  return error;
}
