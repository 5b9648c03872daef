import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser, viewerOf } from '../../../platform/http/request-context.js';
import { viewerDependent } from '../../../platform/http/http-cache.js';
import type { CommentsDomain } from '../domain/comments.js';
import { commentJson } from './presenters.js';
import { CommentParams, NewCommentBody, SlugParams } from './schemas.js';

export function commentsRoutes(comments: CommentsDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/articles/:slug/comments', { ...viewerDependent, schema: { params: SlugParams } }, async (request) => ({
      comments: (await comments.list(request.params.slug, viewerOf(request))).map(commentJson),
    }));

    app.post('/articles/:slug/comments', { ...authRequired, schema: { params: SlugParams, body: NewCommentBody } }, async (request, reply) => {
      const view = await comments.add(request.params.slug, requireUser(request), request.body.comment.body);
      return reply.code(201).send({ comment: commentJson(view) });
    });

    app.delete('/articles/:slug/comments/:id', { ...authRequired, schema: { params: CommentParams } }, async (request, reply) => {
      await comments.delete(request.params.slug, request.params.id, requireUser(request));
      return reply.code(204).send();
    });
  };
}
