import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser, viewerOf } from '../../../platform/http/request-context.js';
import { viewerDependent } from '../../../platform/http/http-cache.js';
import type { ArticlesDomain } from '../domain/articles.js';
import { articleJson, articleListJson } from './presenters.js';
import { ListQuery, NewArticleBody, PageQuery, SlugParams, UpdateArticleBody } from './schemas.js';
import { ArticleList, SingleArticle } from './responses.js';

/** Articles, the home feed, favorites and tags. */
export function articlesRoutes(articles: ArticlesDomain): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get('/articles', { ...viewerDependent, schema: { querystring: ListQuery, response: { 200: ArticleList } } }, async (request) =>
      articleListJson(await articles.list(request.query, viewerOf(request))),
    );

    app.get('/articles/feed', { config: { auth: 'required', httpCache: 'viewer' }, schema: { querystring: PageQuery, response: { 200: ArticleList } } }, async (request) =>
      articleListJson(await articles.homeFeed(requireUser(request), request.query)),
    );

    app.post('/articles', { ...authRequired, schema: { body: NewArticleBody, response: { 201: SingleArticle } } }, async (request, reply) => {
      const view = await articles.create(requireUser(request), request.body.article);
      return reply.code(201).send({ article: articleJson(view) });
    });

    app.get('/articles/:slug', { ...viewerDependent, schema: { params: SlugParams, response: { 200: SingleArticle } } }, async (request) => ({
      article: articleJson(await articles.get(request.params.slug, viewerOf(request))),
    }));

    app.put('/articles/:slug', { ...authRequired, schema: { params: SlugParams, body: UpdateArticleBody, response: { 200: SingleArticle } } }, async (request) => {
      const userId = requireUser(request);
      return { article: articleJson(await articles.update(request.params.slug, userId, request.body.article)) };
    });

    app.delete('/articles/:slug', { ...authRequired, schema: { params: SlugParams } }, async (request, reply) => {
      await articles.delete(request.params.slug, requireUser(request));
      return reply.code(204).send();
    });

    app.post('/articles/:slug/favorite', { ...authRequired, schema: { params: SlugParams, response: { 200: SingleArticle } } }, async (request) => ({
      article: articleJson(await articles.setFavorite(request.params.slug, requireUser(request), true)),
    }));

    app.delete('/articles/:slug/favorite', { ...authRequired, schema: { params: SlugParams, response: { 200: SingleArticle } } }, async (request) => ({
      article: articleJson(await articles.setFavorite(request.params.slug, requireUser(request), false)),
    }));

    // The same for everyone: shared caches may keep it a minute; browsers revalidate, so a writer sees their new tag at once.
    app.get('/tags', { config: { httpCache: { shared: 60 } } }, async () => ({ tags: await articles.tags() }));
  };
}
