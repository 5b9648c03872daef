import type { Stage } from './stages.js';

/**
 * The intended send times of an open-model run, generated lazily (a run at
 * 100k req/s must not hold an array of every send time).
 *
 * The k-th arrival is where the cumulative request count N(t) (the integral
 * of the stage rates) reaches k: constant arrivals step N by 1, Poisson
 * arrivals by an exponential draw with mean 1 (the time-change construction
 * of a non-homogeneous Poisson process, so ramps stay Poisson). Inverting
 * N(t) rather than stepping by 1/rate(t) keeps ramps from 0 exact: at the
 * first instant of a ramp the rate is ~0 and 1/rate would skip the ramp.
 */
export type ArrivalProcess = 'constant' | 'poisson';

export interface Arrivals {
  /** The next intended send time in ms since the start, or null when the profile is over. */
  next(): number | null;
}

export function arrivals(stages: readonly Stage[], process: ArrivalProcess, random: () => number = Math.random): Arrivals {
  let index = 0; // current stage
  let stageStartMs = 0;
  let consumed = 0; // requests' worth of area already used inside the current stage
  let target = process === 'poisson' ? exp1(random) : 0; // first constant arrival at t=0 (when the rate is > 0)
  let first = true;
  return {
    next() {
      if (!first) target += process === 'poisson' ? exp1(random) : 1;
      first = false;
      for (; index < stages.length; index++) {
        const stage = stages[index]!;
        const seconds = stage.durationMs / 1000;
        const area = ((stage.fromRate + stage.toRate) / 2) * seconds;
        const needed = target - consumed;
        if (needed < area || (needed === 0 && stage.fromRate > 0)) {
          const x = solveWithin(stage.fromRate, stage.toRate, seconds, needed);
          return stageStartMs + x * 1000;
        }
        consumed += area;
        stageStartMs += stage.durationMs;
      }
      return null;
    },
  };

  /** Seconds x into a linear stage where its area r0*x + (r1-r0)x²/(2D) equals m (m < stage area). */
  function solveWithin(r0: number, r1: number, seconds: number, m: number): number {
    if (m <= 0) return 0;
    const k = (r1 - r0) / (2 * seconds);
    if (k === 0) return m / r0;
    // Root of k x² + r0 x - m = 0 in the form that stays accurate when k is tiny.
    return (2 * m) / (r0 + Math.sqrt(Math.max(0, r0 * r0 + 4 * k * m)));
  }
}

function exp1(random: () => number): number {
  // 1 - random() is in (0, 1], so the log is finite.
  return -Math.log(1 - random());
}
