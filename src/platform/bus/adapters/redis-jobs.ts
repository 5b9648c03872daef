import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedis } from '../../redis/create-redis.js';
import type { Deliver, Envelope } from '../port.js';

/** BullMQ rejects custom job ids containing ':'. */
const jobId = (id: string) => id.replace(/:/g, '_');

/**
 * Jobs on BullMQ: native delays, one Worker per queue with a concurrency;
 * a retry rewrites the job's attempt and moves it to the delayed set (the
 * bus decides the delay, BullMQ only keeps time). A worker that dies loses
 * its lock; BullMQ's stalled check hands the job to another worker.
 *
 * Queues (producers) share the transport's fail-fast client, so an enqueue
 * while Redis is away fails at once instead of waiting (BullMQ's advice for
 * producers); Workers get blocking connections (`maxRetriesPerRequest: null`,
 * which BullMQ requires for them).
 */
export function createBullJobs(url: string, lockMs: number, prefix: string, connection: Redis) {
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      queues.set(name, (q = new Queue(name, { connection, prefix })));
      // Once per queue: the listener used to be added on every enqueue (MaxListenersExceededWarning after 10).
      q.on('error', () => {});
    }
    return q;
  };

  return {
    enqueue: async (name: string, envelope: Envelope) => {
      const delay = Math.max(0, (envelope.notBefore ?? 0) - Date.now());
      await queue(name).add('job', envelope, { jobId: jobId(envelope.id), delay, removeOnComplete: true, removeOnFail: 1000 });
    },
    work: async (name: string, deliver: Deliver, concurrency: number) => {
      const worker = new Worker<Envelope>(name, async (job: Job<Envelope>, token?: string) => {
        const outcome = await deliver(job.data);
        if (outcome.kind === 'ack') return;
        await job.updateData({ ...job.data, attempt: job.data.attempt + (outcome.countAttempt ? 1 : 0) });
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }, {
        connection: createRedis(url, { name: `bus-worker-${name}`, use: 'blocking' }), prefix, concurrency,
        lockDuration: lockMs, stalledInterval: Math.max(1000, lockMs / 2), maxStalledCount: 1000,
      });
      worker.on('error', () => {});
      await worker.waitUntilReady();
      return async () => {
        // force: a stopping worker does not wait for in-flight jobs; they stall and another worker takes them.
        await worker.close(true);
        await worker.disconnect();
      };
    },
    close: async () => {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
