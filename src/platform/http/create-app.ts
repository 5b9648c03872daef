import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../log/logger.js';
import { lazyChildLogger } from '../log/lazy-child-logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { tokenFromHeader, type TokenService } from '../auth/tokens.js';
import { USER_ID_HEADER, USER_SIG_HEADER, signedBodyHooks, signedRequestOf, verifiedUserId, type SignatureWindow } from '../auth/gateway-identity.js';
import { errors } from '../errors/catalog.js';
import { makeErrorHandler, sendError } from './error-handler.js';
import { parseJsonBody } from './json-body.js';
import { withStatementScope } from '../db/statement-scope.js';
import { applyHttpCaching } from './http-cache.js';
import { validatorCompiler } from './validation.js';
import { httpTracingHooks, traceIdsOf } from '../tracing/http-spans.js';
import './request-context.js';

export type App = ReturnType<typeof createApp>;

export interface AppSettings {
  logger: Logger;
  metrics: Metrics;
  tokens: TokenService;
  bodyLimit: number;
  /** Whether a token's user still exists: a validly signed token of a user that is gone is invalid. */
  userExists: (userId: number) => Promise<boolean>;
  /** INTERNAL_SECRET: when set, a request signed by the gateway (x-user-id + x-user-sig) is trusted without the JWT. */
  internalSecret?: string | undefined;
  /** How old / how far ahead a gateway signature may be (INTERNAL_SIG_MAX_AGE_MS, INTERNAL_SIG_MAX_FUTURE_MS). */
  signatureWindow?: SignatureWindow | undefined;
  /** TRUSTED_PROXIES: peers whose X-Forwarded-For names the client (addresses/CIDRs); unset: the peer is the client, X-Forwarded-For is ignored. */
  trustProxy?: string | undefined;
  /** Largest request head accepted (node's default 16 KiB); over it: 431 in the catalog's shape. */
  maxHeaderSize?: number | undefined;
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
    // The parent is settings.logger (pino); Fastify's types only know its smaller FastifyBaseLogger.
    childLoggerFactory: (parent, bindings, options) => lazyChildLogger(parent as Logger, bindings, options),
    bodyLimit: settings.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Connections idle between requests are closed on shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    // Requests arriving while the server drains get the catalog's 503 (see the first onRequest hook).
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    ...(settings.maxHeaderSize ? { maxHeaderSize: settings.maxHeaderSize } : {}),
    ...(settings.trustProxy ? { trustProxy: settings.trustProxy } : {}),
    clientErrorHandler: answerClientError,
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
  app.decorateRequest('statements', null);
  // First, so the request's span covers auth and everything after, and SQL nests under it.
  app.addHook('onRequest', httpTracingHooks.onRequest);
  app.addHook('onResponse', httpTracingHooks.onResponse);
  app.addHook('onRequestAbort', httpTracingHooks.onRequestAbort);
  // In-flight requests: up when a request arrives, down when it is answered or aborted.
  const inFlight = new WeakSet<object>();
  const serviceOf = (request: FastifyRequest) => request.routeOptions.config.service ?? 'none';
  // Hooks that never wait are callback style: an async hook costs a promise per request for nothing.
  app.addHook('onRequest', (request, _reply, done) => {
    inFlight.add(request);
    settings.metrics.inFlight.started(serviceOf(request));
    done();
  });
  const answered = (request: FastifyRequest) => {
    if (inFlight.delete(request)) settings.metrics.inFlight.finished(serviceOf(request));
  };
  app.addHook('onRequestAbort', (request, done) => {
    answered(request);
    done();
  });

  let draining = false;
  app.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  // Callback style on purpose: calling done() inside the scope runs every later hook and the handler in it.
  app.addHook('onRequest', (request, reply, done) => {
    if (draining) {
      // A new request on a kept-alive connection while we drain: retry it elsewhere, on a new connection.
      void sendError(reply.header('connection', 'close').header('retry-after', '1'), errors.unavailable('server'));
      return;
    }
    const scope = { count: 0 };
    request.statements = scope;
    withStatementScope(scope, done);
  });
  /** Who is asking: a gateway-signed identity or a token, each checked against users that still exist. */
  const identify = async (request: FastifyRequest): Promise<void> => {
    const asserted = request.headers[USER_ID_HEADER] ?? request.headers[USER_SIG_HEADER];
    const token = tokenFromHeader(request.headers.authorization);
    if (asserted !== undefined) {
      // An identity asserted by the gateway: trusted only with a valid signature (never from a client).
      const userId = verifiedUserId(settings.internalSecret, header(request.headers[USER_ID_HEADER]), header(request.headers[USER_SIG_HEADER]), signedRequestOf(request), settings.signatureWindow);
      if (userId === null || !(await settings.userExists(userId))) throw errors.tokenInvalid();
      request.userId = userId;
    } else if (token !== undefined) {
      const userId = token === null ? null : await settings.tokens.verify(token);
      if (userId === null || !(await settings.userExists(userId))) throw errors.tokenInvalid();
      request.userId = userId;
    }
    if (request.userId === null && request.routeOptions.config.auth === 'required') throw errors.tokenMissing();
  };
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    // Postgres text cannot hold NUL; refuse it at the door rather than fail in SQL.
    if (/%00/.test(request.url)) return done(errors.badUrl('must not contain NUL characters'));
    // Admin routes check their own credential (auth/admin-token.ts).
    if (request.routeOptions.config.auth === 'admin') return done();
    // Most reads are anonymous: they pass without a promise.
    const { headers } = request;
    if (headers.authorization === undefined && headers[USER_ID_HEADER] === undefined && headers[USER_SIG_HEADER] === undefined) {
      return done(request.routeOptions.config.auth === 'required' ? errors.tokenMissing() : undefined);
    }
    identify(request).then(() => done(), done);
  });

  // The signature covers the body's digest: these check the bytes read are the bytes signed.
  app.addHook('preParsing', signedBodyHooks.preParsing);
  app.addHook('preValidation', signedBodyHooks.preValidation);

  app.addHook('onSend', applyHttpCaching);

  app.addHook('onResponse', (request, reply, done) => {
    answered(request);
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    settings.metrics.httpDuration.observe({ service: serviceOf(request), route, method: request.method, status: String(reply.statusCode) }, seconds);
    if (request.statements) settings.metrics.dbStatements.observe({ route, method: request.method }, request.statements.count);
    // The line's fields are not even gathered when info is off (LOG_LEVEL=warn under load tests).
    if (!settings.logger.isLevelEnabled('info')) return done();
    request.log.info(
      {
        method: request.method,
        route,
        url: request.url,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        userId: request.userId ?? undefined,
        ...traceIdsOf(request),
      },
      'request',
    );
    done();
  });

  return app;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/** Errors node's HTTP parser raises before Fastify sees a request (e.g. headers over maxHeaderSize), in the catalog's shape. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error = err.code === 'HPE_HEADER_OVERFLOW' ? errors.headersTooLarge() : errors.badRequest('is malformed');
  const body = JSON.stringify(error.toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `x-error-code: ${error.code}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
