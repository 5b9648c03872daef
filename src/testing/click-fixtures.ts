import type { ClickEvent } from '../services/links/domain/click.js';
import { dayStart } from '../services/links/analytics/days.js';

/** A click on `day` at `hour` (UTC), as the archival tests build their days. */
export function clickAt(day: string, hour: number, code: string, referrer: string): ClickEvent {
  return { at: dayStart(day) + hour * 3_600_000 + 17, code, referrer, country: 'ZZ', ua: 'desktop' };
}

/**
 * The archival tests' days: 2026-03-01 and 03-02 old enough to archive at `now` (03-10, noon) with a
 * 7-day retention, 03-10 still hot; two codes and several referrers, so series and top referrers differ.
 */
export function archivalClicks() {
  return {
    now: dayStart('2026-03-10') + 12 * 3_600_000,
    events: [
      ...Array.from({ length: 40 }, (_, i) => clickAt('2026-03-01', i % 24, 'abc1234', i % 3 === 0 ? 'news.example' : '')),
      ...Array.from({ length: 25 }, (_, i) => clickAt('2026-03-02', i % 5, 'abc1234', 'blog.example')),
      ...Array.from({ length: 7 }, (_, i) => clickAt('2026-03-02', i, 'other99', 'x.example')),
      ...Array.from({ length: 30 }, (_, i) => clickAt('2026-03-10', i % 12, 'abc1234', 'news.example')),
    ],
    whole: { from: dayStart('2026-02-25'), to: dayStart('2026-03-11') },
  };
}
