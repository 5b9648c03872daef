import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '../log/logger.js';
import { lazyChildLogger } from '../log/lazy-child-logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { TokenService } from '../auth/tokens.js';
import type { UserCheck } from '../auth/user-check.js';
import type { SignatureWindow } from '../auth/gateway-identity.js';
import { errors } from '../errors/catalog.js';
import { makeErrorHandler, sendError } from './error-handler.js';
import { validatorCompiler } from './validation.js';
import { jsonBodyParser } from './plugins/json-body-parser.js';
import { requestTracing } from './plugins/request-tracing.js';
import { inFlightGauge } from './plugins/in-flight.js';
import { requestIdHeader } from './plugins/request-id.js';
import { securityHeaders } from './plugins/security-headers.js';
import { cors } from './plugins/cors.js';
import { drainingRefusal } from './plugins/draining.js';
import { statementScope } from './plugins/statement-scope.js';
import { urlNulGuard } from './plugins/nul-guard.js';
import { identify } from './plugins/identify.js';
import { httpCaching } from './plugins/http-caching.js';
import { routeNotFound } from './plugins/route-not-found.js';
import { requestLog } from './plugins/request-log.js';
import './request-context.js';

export type App = Awaited<ReturnType<typeof createApp>>;

const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 500 };

export interface AppSettings {
  logger: Logger;
  metrics: Metrics;
  tokens: TokenService;
  bodyLimit: number;
  /**
   * Whether a request's user is still good (exists; for a token, of the user's current version):
   * a validly signed token or gateway identity of a user that is gone, or a token older than a password change, is invalid.
   */
  userExists: UserCheck;
  /** INTERNAL_SECRET: when set, a request signed by the gateway (x-user-id + x-user-sig) is trusted without the JWT. */
  internalSecret?: string | undefined;
  /** CORS_ORIGINS: `*` (the default), `none`, or a comma-separated list of origins (plugins/cors.ts). */
  corsOrigins?: string | undefined;
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
export async function createApp(settings: AppSettings) {
  const app = Fastify({
    loggerInstance: settings.logger,
    // One line per request comes from plugins/request-log.ts, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // The parent is settings.logger (pino); Fastify's types only know its smaller FastifyBaseLogger.
    childLoggerFactory: (parent, bindings, options) => lazyChildLogger(parent as Logger, bindings, options),
    bodyLimit: settings.bodyLimit,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Connections idle between requests are closed on shutdown; busy ones finish first.
    forceCloseConnections: 'idle',
    // Requests arriving while the server drains get the catalog's 503 (plugins/draining.ts).
    return503OnClosing: false,
    routerOptions: ROUTER_OPTIONS,
    ...(settings.maxHeaderSize ? { maxHeaderSize: settings.maxHeaderSize } : {}),
    ...(settings.trustProxy ? { trustProxy: settings.trustProxy } : {}),
    clientErrorHandler: answerClientError,
    // Errors the router raises before any hook runs still leave in the catalog's shape.
    frameworkErrors: (error, _request, reply) =>
      sendError(reply, error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? errors.badUrl('is too long', 414) : errors.badUrl('is malformed')),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(makeErrorHandler(settings.bodyLimit));
  // First, so it sees every route registered after it: 405 with Allow for a path served under other methods, else 404.
  await app.register(routeNotFound, ROUTER_OPTIONS);

  // Each cross-cutting concern is a plugin of its own (plugins/). onRequest hooks run in
  // registration order and a hook that answers ends the chain, so the order below is the
  // request's path through the edge; each awaited, so hooks callers add later (rate limits,
  // load shedding) run after these, with the verified user known.
  await app.register(jsonBodyParser);
  // First: the request's span covers everything after it.
  await app.register(requestTracing);
  // Early, so requests a later hook answers (a preflight, a 503, a 401) are counted too.
  await app.register(inFlightGauge, { metrics: settings.metrics });
  await app.register(requestIdHeader);
  // Before anything that can refuse a request (503, 400, 401, 429), so a browser can read those answers too;
  // a preflight is answered here and goes no further.
  await app.register(securityHeaders);
  await app.register(cors, { origins: settings.corsOrigins ?? '*' });
  await app.register(drainingRefusal);
  // Wraps every later hook and the handler: SQL issued anywhere below is counted against this request.
  await app.register(statementScope);
  await app.register(urlNulGuard);
  await app.register(identify, {
    tokens: settings.tokens,
    userExists: settings.userExists,
    internalSecret: settings.internalSecret,
    signatureWindow: settings.signatureWindow,
  });
  await app.register(httpCaching);
  // onResponse after tracing's and the gauge's: the log line carries the trace ids.
  await app.register(requestLog, { metrics: settings.metrics, logger: settings.logger });

  return app;
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
