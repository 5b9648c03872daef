/**
 * A load profile is a list of stages, each with a start and end arrival rate
 * (req/s) interpolated linearly: `ramp` changes the rate, `steady`, `spike`
 * and `soak` hold it (the names are for the report and the reader).
 */
export const STAGE_KINDS = ['ramp', 'steady', 'spike', 'soak'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export interface Stage {
  kind: StageKind;
  durationMs: number;
  fromRate: number;
  toRate: number;
}

export class StageError extends Error {}

/** "500ms", "20s", "2m", "1h", or a bare number of seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new StageError(`bad duration "${text}" (use e.g. 500ms, 20s, 2m, 1h)`);
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return value * factor;
}

function parseRate(text: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < 0) throw new StageError(`bad rate "${text}" (a number of requests per second)`);
  return value;
}

/**
 * `kind:duration:rate` or `kind:duration:from-to`, e.g. `ramp:10s:0-500`,
 * `steady:60s:500`, `spike:5s:2000`, `soak:10m:300`. A ramp with one rate
 * starts from where the previous stage ended (0 for the first).
 */
export function parseStage(text: string, previousRate = 0): Stage {
  const [kind, duration, rates, ...rest] = text.split(':');
  if (!kind || !duration || !rates || rest.length > 0) {
    throw new StageError(`bad stage "${text}" (use kind:duration:rate or kind:duration:from-to, e.g. ramp:10s:0-500)`);
  }
  if (!(STAGE_KINDS as readonly string[]).includes(kind)) {
    throw new StageError(`bad stage kind "${kind}" in "${text}" (one of ${STAGE_KINDS.join(', ')})`);
  }
  const durationMs = parseDuration(duration);
  if (durationMs <= 0) throw new StageError(`stage "${text}" has no duration`);
  const range = /^([^-]+)-([^-]+)$/.exec(rates);
  const toRate = parseRate(range ? range[2]! : rates);
  const fromRate = range ? parseRate(range[1]!) : kind === 'ramp' ? previousRate : toRate;
  return { kind: kind as StageKind, durationMs, fromRate, toRate };
}

export function parseStages(texts: readonly string[]): Stage[] {
  const stages: Stage[] = [];
  for (const text of texts) stages.push(parseStage(text, stages.at(-1)?.toRate ?? 0));
  return stages;
}

export function totalDurationMs(stages: readonly Stage[]): number {
  return stages.reduce((sum, s) => sum + s.durationMs, 0);
}

/** The target arrival rate (req/s) at `ms` since the start; 0 after the last stage. */
export function rateAt(stages: readonly Stage[], ms: number): number {
  let start = 0;
  for (const stage of stages) {
    if (ms < start + stage.durationMs) {
      const f = (ms - start) / stage.durationMs;
      return stage.fromRate + (stage.toRate - stage.fromRate) * f;
    }
    start += stage.durationMs;
  }
  return 0;
}

/** Requests the profile asks for in [0, ms): the integral of the rate (exact for linear stages). */
export function expectedRequests(stages: readonly Stage[], ms = totalDurationMs(stages)): number {
  let start = 0;
  let total = 0;
  for (const stage of stages) {
    const span = Math.min(stage.durationMs, Math.max(0, ms - start));
    const endRate = stage.fromRate + ((stage.toRate - stage.fromRate) * span) / stage.durationMs;
    total += ((stage.fromRate + endRate) / 2) * (span / 1000);
    start += stage.durationMs;
  }
  return total;
}
