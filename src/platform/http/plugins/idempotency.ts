import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../../db/database.js';
import { errors } from '../../errors/catalog.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route needs an Idempotency-Key header, and answers a repeated key with the first answer (plugins/idempotency.ts). */
    idempotency?: boolean;
  }
  interface FastifyRequest {
    idempotencyClaim?: { scope: string; key: string };
  }
}

export interface IdempotencyOptions {
  db: Database;
  /** `<schema>.<table>` with the columns of orders' idempotency_keys (the owning service's table). */
  table: string;
  ttlS: number;
  /** How long a retry waits for an in-flight first request before 409. */
  waitMs: number;
  /** An in-flight claim older than this is taken over (its process died before answering). */
  staleMs?: number;
}

type Any = Record<string, never>;
interface KeyRow {
  fingerprint: string;
  state: 'in_flight' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
}

/** Key order does not change a JSON body's meaning, so it does not change its fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const REPLAYED_HEADERS = ['content-type', 'location', 'retry-after'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Idempotency-Key for unsafe requests, with the IETF draft's and Stripe's
 * semantics: the first request with a key claims it (a row, in Postgres so it
 * outlives the process); its answer is stored and replayed to every later
 * request with the same key and body for `ttlS` (marked Idempotent-Replayed);
 * the same key with another body is 422; a retry while the first is in flight
 * waits up to `waitMs` for its answer, then gets 409. A 5xx is not stored: the
 * client's retry runs again. Keys are per user and route, so one user's key
 * never answers another's request.
 */
export const idempotency = fp<IdempotencyOptions>(
  (app, options, done) => {
    const db = options.db.as<Any>();
    const table = sql.table(options.table);
    const staleMs = options.staleMs ?? 60_000;

    const claim = async (scope: string, key: string, fingerprint: string): Promise<boolean> => {
      const now = new Date();
      const expires = new Date(now.getTime() + options.ttlS * 1000).toISOString();
      const stale = new Date(now.getTime() - staleMs).toISOString();
      // Absent, expired, or abandoned in flight: ours. Otherwise someone else's (answered or in progress).
      const { rows } = await sql<{ key: string }>`
        insert into ${table} as t (scope, key, fingerprint, state, expires_at) values (${scope}, ${key}, ${fingerprint}, 'in_flight', ${expires}::timestamptz)
        on conflict (scope, key) do update set fingerprint = excluded.fingerprint, state = 'in_flight', status = null, headers = null, body = null,
          locked_at = now(), expires_at = excluded.expires_at
        where t.expires_at < now() or (t.state = 'in_flight' and t.locked_at < ${stale}::timestamptz)
        returning t.key`.execute(db);
      return rows.length > 0;
    };

    const read = async (scope: string, key: string): Promise<KeyRow | undefined> => {
      const { rows } = await sql<KeyRow>`select fingerprint, state, status, headers, body from ${table} where scope = ${scope} and key = ${key}`.execute(db);
      return rows[0];
    };

    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!request.routeOptions.config.idempotency) return;
      const key = request.headers['idempotency-key'];
      if (typeof key !== 'string' || key.length === 0 || key.length > 255) throw errors.idempotencyKeyMissing();
      const scope = `${request.userId ?? 'anonymous'} ${request.method} ${request.routeOptions.url}`;
      const fingerprint = createHash('sha256').update(canonical(request.body)).digest('hex');
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        if (await claim(scope, key, fingerprint)) {
          request.idempotencyClaim = { scope, key };
          return;
        }
        const row = await read(scope, key);
        if (!row) continue; // deleted after a 5xx between our two statements: claim again
        if (row.fingerprint !== fingerprint) throw errors.idempotencyKeyReused();
        if (row.state === 'done') {
          for (const [name, value] of Object.entries(row.headers ?? {})) void reply.header(name, value);
          return reply.code(row.status ?? 200).header('idempotent-replayed', 'true').send(row.body ?? '');
        }
        if (Date.now() >= deadline) throw errors.idempotencyKeyInFlight();
        await sleep(25);
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const owned = request.idempotencyClaim;
      if (!owned) return payload;
      request.idempotencyClaim = undefined;
      if (reply.statusCode >= 500) {
        await sql`delete from ${table} where scope = ${owned.scope} and key = ${owned.key}`.execute(db);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await sql`update ${table} set state = 'done', status = ${reply.statusCode}, headers = ${JSON.stringify(headers)}::jsonb, body = ${typeof payload === 'string' ? payload : ''}
        where scope = ${owned.scope} and key = ${owned.key}`.execute(db);
      return payload;
    });
    done();
  },
  { name: 'idempotency' },
);

/** Deletes expired keys (the owning service calls it now and then). */
export async function pruneIdempotencyKeys(db: Database, table: string): Promise<number> {
  const result = await sql`delete from ${sql.table(table)} where expires_at < now()`.execute(db.as<Any>());
  return Number(result.numAffectedRows ?? 0);
}
