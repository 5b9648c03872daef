import fp from 'fastify-plugin';
import type { Logger } from '../../log/logger.js';
import type { Metrics } from '../../metrics/metrics.js';
import { traceIdsOf } from '../../tracing/http-spans.js';
import { serviceOfRoute } from '../route-service.js';

/** One histogram sample and one log line per answered request (Fastify's own two request lines are off; see create-app.ts). */
export const requestLog = fp<{ metrics: Metrics; logger: Logger }>(
  (app, { metrics, logger }, done) => {
    app.addHook('onResponse', (request, reply, next) => {
      const options = request.routeOptions;
      const route = options.url ?? 'unmatched';
      const seconds = reply.elapsedTime / 1000;
      metrics.httpDuration.observe({ service: serviceOfRoute(options), route, method: request.method, status: String(reply.statusCode) }, seconds);
      if (request.statements) metrics.dbStatements.observe({ route, method: request.method }, request.statements.count);
      // The line's fields are not even gathered when info is off (LOG_LEVEL=warn under load tests).
      if (!logger.isLevelEnabled('info')) return next();
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
      next();
    });
    done();
  },
  { name: 'request-log' },
);
