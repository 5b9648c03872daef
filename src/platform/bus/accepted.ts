import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type QueryExecutorProvider } from 'kysely';
import type { Database } from '../db/database.js';
import { errors } from '../errors/catalog.js';
import { newId } from './envelope.js';
import { REQUEST_ID, TRACEPARENT, TRACESTATE } from './message-context.js';
import { addJobToOutbox } from './outbox.js';
import type { Handler, Headers } from './port.js';
import { jsonbText } from '../text/jsonb.js';

/**
 * 202 Accepted for slow work: the request records a status row and enqueues
 * the job through the outbox in one transaction, answers 202 with Location
 * pointing at GET <statusPath>/<id>, and the worker moves the status along
 * (accepted → running → succeeded | retrying → failed). A user's job has an
 * owner, and only they can read it. Finished jobs are pruned after
 * BUS_RETENTION_JOBS_S (retention.ts). In use: POST /api/user/export.
 */
type Any = Record<string, never>;

export type JobState = 'accepted' | 'running' | 'retrying' | 'succeeded' | 'failed';
export interface JobStatus {
  id: string;
  queue: string;
  state: JobState;
  result: unknown;
  error: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
}

/** The trace and request ids of an HTTP request, as message headers. */
export function headersOf(request: FastifyRequest): Headers {
  const h: Headers = { [REQUEST_ID]: String(request.id) };
  for (const name of [TRACEPARENT, TRACESTATE]) {
    const value = request.headers[name];
    if (typeof value === 'string') h[name] = value;
  }
  return h;
}

export interface AcceptOptions {
  /** Trace and request ids to carry to the worker (headersOf(request)). */
  headers?: Headers;
  /** The user the job belongs to: readJobStatus answers only them. */
  owner?: string;
}

/** In its own transaction: status row + job (through the outbox, so both exist or neither). Returns the job id. */
export async function acceptJob(db: Database, queue: string, payload: unknown, options: AcceptOptions = {}): Promise<string> {
  const id = newId();
  await db.as<Any>().transaction().execute(async (trx) => {
    await sql`insert into platform.job_status (id, queue, state, owner) values (${id}, ${queue}, 'accepted', ${options.owner ?? null})`.execute(trx);
    await addJobToOutbox(trx, queue, payload, { id, headers: options.headers ?? {} });
  });
  return id;
}

/** The id of an unfinished job of `queue` that `owner` already has, if any (a repeated request joins it). */
export async function unfinishedJobOf(db: Database, queue: string, owner: string): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    select id from platform.job_status
    where queue = ${queue} and owner = ${owner} and state in ('accepted', 'running', 'retrying')
    order by created_at limit 1`.execute(db.as<Any>());
  return rows[0]?.id;
}

/** Deletes every job status (and result) of `owner` in `queue`: a user's data goes with the user. */
export async function forgetJobsOf(trx: QueryExecutorProvider, queue: string, owner: string): Promise<void> {
  await sql`delete from platform.job_status where queue = ${queue} and owner = ${owner}`.execute(trx);
}

/** 202 + Location + Retry-After, body `{ id, state, location }`. */
export function replyAccepted(reply: FastifyReply, id: string, statusPath: string) {
  const location = `${statusPath}/${encodeURIComponent(id)}`;
  return reply.code(202).header('location', location).header('retry-after', '1').send({ id, state: 'accepted', location });
}

/**
 * A job of `queue` by id, or undefined when there is none, or when `owner`
 * is given and the job is not theirs: to a stranger another user's job does
 * not exist (404, not 403, so ids cannot be probed).
 */
export async function readJobStatus(db: Database, queue: string, id: string, owner?: string): Promise<JobStatus | undefined> {
  const { rows } = await sql<{ id: string; queue: string; state: JobState; result: unknown; error: string | null; attempts: number; owner: string | null; created_at: Date; updated_at: Date }>`
    select * from platform.job_status where id = ${id} and queue = ${queue}`.execute(db.as<Any>());
  const row = rows[0];
  if (!row || (owner !== undefined && row.owner !== owner)) return undefined;
  return { id: row.id, queue: row.queue, state: row.state, result: row.result, error: row.error, attempts: row.attempts,
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
}

/** Answers a job's status: 404 from the catalog when absent; Retry-After while it is not finished. */
export function replyJobStatus(reply: FastifyReply, status: JobStatus | undefined): JobStatus {
  if (!status) throw errors.notFound('job');
  if (status.state !== 'succeeded' && status.state !== 'failed') void reply.header('retry-after', '1');
  return status;
}

/** GET <path>/:id → the status of a job of `queue` that belongs to no user (a user's job: readJobStatus with its owner). */
export function registerJobStatusRoute(app: FastifyInstance, db: Database, queue: string, path: string): void {
  app.get<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => replyJobStatus(reply, await readJobStatus(db, queue, request.params.id)));
}

/**
 * Wraps a job handler so its status row follows it. `maxAttempts` must match
 * the process() option, so the last failure is reported as 'failed'.
 */
export function tracked<T>(db: Database, maxAttempts: number, work: (payload: T, jobId: string) => Promise<unknown>): Handler<T> {
  const set = (id: string, state: JobState, attempts: number, result: unknown, error: string | null) =>
    sql`update platform.job_status set state = ${state}, attempts = ${attempts}, result = ${jsonbText(result)}::jsonb,
      error = ${error}, updated_at = now() where id = ${id}`.execute(db.as<Any>());
  return async (delivery) => {
    await set(delivery.id, 'running', delivery.attempt, null, null);
    try {
      const result = await work(delivery.payload, delivery.id);
      await set(delivery.id, 'succeeded', delivery.attempt, result, null);
    } catch (err) {
      await set(delivery.id, delivery.attempt >= maxAttempts ? 'failed' : 'retrying', delivery.attempt, null, (err as Error).message ?? String(err));
      throw err;
    }
  };
}
