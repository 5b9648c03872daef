import type { Logger } from '../log/logger.js';
import type { Bus, Schedule, Subscription, Transport } from './port.js';

/**
 * Cron by fixed ticks aligned to the epoch: every instance computes the
 * same tick boundaries, and at each one races for `claim(name:tick)`; the
 * one winner enqueues the job (id = name:tick), the others do nothing. So a
 * schedule fires once per tick however many instances run it.
 */
export function startSchedule(schedule: Schedule, transport: Transport, bus: Bus, logger?: Logger): Subscription {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const fire = async (tick: number) => {
    // The claim outlives the tick so a slow instance with a skewed clock can't fire it again.
    if (!(await transport.claim(`cron:${schedule.name}:${tick}`, Math.max(schedule.everyMs * 3, 10_000)))) return;
    await bus.enqueue(schedule.queue, { tick }, { id: `cron:${schedule.name}:${tick}` });
  };
  let last = 0;
  const arm = () => {
    if (stopped) return;
    const now = Date.now();
    // Timers may fire a millisecond early; never arm the tick just fired a second time.
    const next = Math.max(last + schedule.everyMs, (Math.floor(now / schedule.everyMs) + 1) * schedule.everyMs);
    last = next;
    timer = setTimeout(() => {
      fire(next).catch((err: unknown) => logger?.error({ err, schedule: schedule.name, tick: next }, 'cron tick failed'));
      arm();
    }, next - now);
  };
  arm();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
