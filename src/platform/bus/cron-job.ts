import type { Bus, Handler, Subscription } from './port.js';

/**
 * A job run once per tick across every process sharing the bus: each process schedules the tick on `queue`
 * and works that queue; the tick's claim (schedule.ts) lets one of them enqueue it. Stopping ends the
 * schedule first, so no tick is enqueued for a worker that is gone.
 */
export async function startCronJob(bus: Bus, queue: string, everyMs: number, work: Handler<{ tick: number }>, maxAttempts: number): Promise<Subscription> {
  const worker = await bus.process<{ tick: number }>(queue, work, { maxAttempts });
  const schedule = bus.schedule({ name: queue, everyMs, queue });
  return {
    stop: async () => {
      await schedule.stop();
      await worker.stop();
    },
  };
}
