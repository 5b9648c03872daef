import type { Bus, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { ClickStore } from './click-store.js';
import { DAY_MS } from './days.js';

export const ARCHIVAL_QUEUE = 'links.archive-clicks';

/** Moves every hot day older than `afterDays` (whole UTC days before today − afterDays) to the archive. */
export async function archiveOldDays(store: ClickStore, afterDays: number, now = Date.now()): Promise<{ day: string; events: number }[]> {
  const cutoff = (Math.floor(now / DAY_MS) - afterDays) * DAY_MS;
  const moved: { day: string; events: number }[] = [];
  for (const day of await store.hotDaysBefore(cutoff)) moved.push({ day, events: await store.archiveDay(day) });
  return moved;
}

/** The archival cron: one job per tick across the processes sharing the bus (src/platform/bus/schedule.ts). */
export async function startArchival(bus: Bus, store: ClickStore, settings: { afterDays: number; everyMs: number }, logger: Logger): Promise<Subscription> {
  const worker = await bus.process<{ tick: number }>(ARCHIVAL_QUEUE, async () => {
    const moved = await archiveOldDays(store, settings.afterDays);
    if (moved.length > 0) logger.info({ moved }, 'links: click days archived to Parquet');
  }, { maxAttempts: 3 });
  const schedule = bus.schedule({ name: ARCHIVAL_QUEUE, everyMs: settings.everyMs, queue: ARCHIVAL_QUEUE });
  return {
    stop: async () => {
      await schedule.stop();
      await worker.stop();
    },
  };
}
