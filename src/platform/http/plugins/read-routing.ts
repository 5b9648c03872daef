import fp from 'fastify-plugin';
import type { ReplicaRouting } from '../../db/replicas/replica-routing.js';

/** A position no replica has replayed: the reads of a user whose position is unknown go to the primary. */
const UNREACHABLE = (1n << 64n) - 1n;

export interface ReadRoutingOptions {
  routing: ReplicaRouting;
  onError?: (err: unknown) => void;
}

/**
 * Chooses each request's read target (db/replicas/): GET and HEAD on /api/ may read
 * from a replica that has replayed the caller's last write; other methods
 * read and write on the primary (a read that decides a write must see the
 * latest). A request that wrote records the primary's position as the
 * user's before the response leaves, so their next request, in any process,
 * reads it.
 */
export const readRouting = fp<ReadRoutingOptions>(
  (app, { routing, onError }, done) => {
    app.addHook('onRequest', async (request) => {
      const scope = request.statements;
      if (!scope) return;
      scope.userId = request.userId;
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      // The API only: /readyz must ping the primary, and /metrics' gauges read the live outbox.
      if (!request.url.startsWith('/api/')) return;
      scope.replicaReads = true;
      if (request.userId === null) return;
      const position = await routing.positionOf(request.userId);
      scope.minLsn = position === 'unknown' ? UNREACHABLE : position;
    });
    app.addHook('onSend', async (request) => {
      const scope = request.statements;
      if (!scope?.wrote || scope.userId === null || scope.userId === undefined) return;
      try {
        await routing.rememberWrite(scope.userId);
      } catch (err) {
        // The write itself succeeded; the user's next read may come from a replica that has not replayed it yet.
        onError?.(err);
      }
    });
    done();
  },
  { name: 'read-routing', dependencies: ['statement-scope', 'identify'] },
);
