import { randomUUID } from 'node:crypto';
import Fastify, { LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { tokenFromHeader, type TokenService } from '../auth/tokens.js';
import { errors } from '../errors/catalog.js';
import { makeErrorHandler, sendError } from './error-handler.js';
import { parseJsonBody } from './json-body.js';
import { validatorCompiler } from './validation.js';
import './request-context.js';

export type App = ReturnType<typeof createApp>;

export interface AppSettings {
  logger: Logger;
  metrics: Metrics;
  tokens: TokenService;
  bodyLimit: number;
}

/**
 * The Fastify instance every process serves: request ids, strict body
 * validation, auth on every request that carries a token, one log line and
 * one histogram sample per request, and errors from the catalog only.
 */
export function createApp(settings: AppSettings) {
  const app = Fastify({
    loggerInstance: settings.logger,
    // One line per request comes from the onResponse hook below, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: settings.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Connections idle between requests are closed on shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Errors the router raises before any hook runs still leave in the catalog's shape.
    frameworkErrors: (error, _request, reply) =>
      sendError(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.badUrl('is too long', 414) : errors.badUrl('is malformed')),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  // JSON only: anything else is a 415, not a string the schema then rejects.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.setErrorHandler(makeErrorHandler(settings.bodyLimit));
  app.setNotFoundHandler((_request, reply) => sendError(reply, errors.notFound('route')));

  app.decorateRequest('userId', null);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    // Postgres text cannot hold NUL; refuse it at the door rather than fail in SQL.
    if (/%00/.test(request.url)) throw errors.badUrl('must not contain NUL characters');
    const token = tokenFromHeader(request.headers.authorization);
    if (token !== undefined) {
      const userId = token === null ? null : await settings.tokens.verify(token);
      if (userId === null) throw errors.tokenInvalid();
      request.userId = userId;
    }
    if (request.userId === null && request.routeOptions.config.auth === 'required') throw errors.tokenMissing();
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    settings.metrics.httpDuration.observe({ route, method: request.method, status: String(reply.statusCode) }, seconds);
    request.log.info(
      {
        method: request.method,
        route,
        url: request.url,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        userId: request.userId ?? undefined,
      },
      'request',
    );
  });

  return app;
}
