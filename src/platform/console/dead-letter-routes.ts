import { Type, type Static } from '@sinclair/typebox';
import type { App } from '../http/create-app.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log/logger.js';
import { DeadLetterStore } from '../bus/dead-letters.js';
import { replayDeadLetter } from '../bus/replay.js';
import { errors } from '../errors/catalog.js';
import type { adminRoute } from '../auth/admin-token.js';

const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  consumer: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
const LetterParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const ReplayAllBody = Type.Object({ consumer: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }, { additionalProperties: false });
/** A bulk replay takes at most this many letters; the panel asks again for the rest. */
const REPLAY_ALL_LIMIT = 1_000;

/**
 * The console's dead-letter queue: the pending letters counted per consumer, listed, and replayed
 * (one, or every pending one of a consumer) the way `scalestack dlq replay` does it: through the
 * outbox, once per letter however often it is asked (src/platform/bus/replay.ts).
 */
export function registerDeadLetterRoutes(app: App, db: Database, admin: ReturnType<typeof adminRoute>, logger: Logger): void {
  const store = new DeadLetterStore(db);
  const view = (d: Awaited<ReturnType<DeadLetterStore['list']>>[number]) => ({
    id: d.id, kind: d.kind, topic: d.topic, consumer: d.consumer, key: d.key, attempts: d.attempts, reason: d.reason,
    failedAt: d.failedAt.toISOString(), replayedAt: d.replayedAt?.toISOString() ?? null,
  });

  app.get<{ Querystring: Static<typeof ListQuery> }>('/console/api/dead-letters', { ...admin, schema: { querystring: ListQuery } }, async (request) => {
    const { limit, consumer } = request.query;
    const [letters, counts] = await Promise.all([store.list({ limit, ...(consumer ? { consumer } : {}) }), store.pendingCounts()]);
    return { deadLetters: letters.map(view), counts, pending: counts.reduce((n, c) => n + c.count, 0) };
  });

  app.post<{ Params: Static<typeof LetterParams> }>('/console/api/dead-letters/:id/replay', { ...admin, schema: { params: LetterParams } }, async (request) => {
    const result = await replayDeadLetter(db, request.params.id);
    if (result === 'not-found') throw errors.notFound('deadLetter');
    if (result === 'already-replayed') throw errors.gone('deadLetter', 'was already replayed');
    logger.info({ deadLetter: request.params.id }, 'dead letter replayed from the console');
    return { id: request.params.id, result };
  });

  app.post<{ Body: Static<typeof ReplayAllBody> }>('/console/api/dead-letters/replay', { ...admin, schema: { body: ReplayAllBody } }, async (request) => {
    const { consumer } = request.body;
    const letters = await store.list({ limit: REPLAY_ALL_LIMIT, ...(consumer ? { consumer } : {}) });
    let replayed = 0;
    for (const letter of letters) if ((await replayDeadLetter(db, letter.id)) === 'replayed') replayed += 1;
    logger.info({ replayed, consumer: consumer ?? null }, 'dead letters replayed from the console');
    return { replayed };
  });
}
