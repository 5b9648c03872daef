import type { IntervalStats } from './recorder.js';

/** The live line printed on stderr once a second while a run goes. */
export function progressLine(stats: IntervalStats, totalSeconds: number): string {
  const seconds = (stats.endMs - stats.startMs) / 1000;
  const rate = seconds > 0 ? stats.completed / seconds : 0;
  const recorded = stats.completed + stats.timedOut;
  const errPct = recorded > 0 ? (100 * stats.errors) / recorded : 0;
  const ms = (v: number) => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
  return [
    `${(stats.endMs / 1000).toFixed(0).padStart(4)}s/${totalSeconds.toFixed(0)}s`,
    `rate ${rate.toFixed(0).padStart(5)}/s (target ${stats.targetRate.toFixed(0)})`,
    `p50 ${ms(stats.latency.p50).padStart(6)}ms`,
    `p99 ${ms(stats.latency.p99).padStart(6)}ms`,
    `errors ${stats.errors} (${errPct.toFixed(1)}%)`,
    ...(stats.timedOut > 0 ? [`timed out ${stats.timedOut}`] : []),
    `in flight ${stats.inFlight}`,
    ...(stats.backlog > 0 ? [`backlog ${stats.backlog}`] : []),
  ].join('  ');
}
