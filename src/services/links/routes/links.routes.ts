import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { authRequired, requireUser } from '../../../platform/http/request-context.js';
import type { LinksDomain } from '../domain/links.js';
import { baseUrlOf, linkJson } from './presenters.js';
import { CodeParams, NewLinkBody, StatsQuery, UpdateLinkBody } from './schemas.js';

/** The owner's API under /api/links: create, read, disable, delete, stats. */
export function linksRoutes(links: LinksDomain, baseUrl: string | undefined): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post('/links', { ...authRequired, schema: { body: NewLinkBody } }, async (request, reply) => {
      const view = await links.create(requireUser(request), request.body.link);
      return reply.code(201).send({ link: linkJson(view, baseUrlOf(request, baseUrl)) });
    });

    app.get('/links/:code', { ...authRequired, schema: { params: CodeParams } }, async (request) => ({
      link: linkJson(await links.get(request.params.code, requireUser(request)), baseUrlOf(request, baseUrl)),
    }));

    // The owner turns a link off (410 to visitors) or back on.
    app.put('/links/:code', { ...authRequired, schema: { params: CodeParams, body: UpdateLinkBody } }, async (request) => ({
      link: linkJson(await links.setDisabled(request.params.code, requireUser(request), request.body.link.disabled), baseUrlOf(request, baseUrl)),
    }));

    app.delete('/links/:code', { ...authRequired, schema: { params: CodeParams } }, async (request, reply) => {
      await links.delete(request.params.code, requireUser(request));
      return reply.code(204).send();
    });

    // Answered by the column store (hot days and archived Parquet together), never by Postgres.
    app.get('/links/:code/stats', { ...authRequired, schema: { params: CodeParams, querystring: StatsQuery } }, async (request) => {
      const { link, from, to, bucket, stats } = await links.stats(request.params.code, requireUser(request), request.query);
      return {
        stats: {
          code: link.code,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          bucket,
          total: stats.total,
          series: stats.series.map((s) => ({ t: new Date(s.t).toISOString(), clicks: s.clicks })),
          topReferrers: stats.topReferrers,
        },
      };
    });
  };
}
