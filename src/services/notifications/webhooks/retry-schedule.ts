/**
 * When a failed delivery is tried again: the waits of WEBHOOK_RETRY_SCHEDULE
 * (`5s,30s,2m,...`; the default grows roughly exponentially and spans about
 * a day), each stretched or shrunk by up to 20% at random so the retries of
 * many deliveries to one recovering endpoint do not arrive in lockstep.
 * After the last wait's attempt fails, the delivery is dead-lettered.
 */
export class RetrySchedule {
  readonly waitsMs: readonly number[];

  constructor(spec: string) {
    this.waitsMs = spec.split(',').map(parseDuration);
  }

  /** Attempts in all: the first plus one per wait. */
  get maxAttempts(): number {
    return this.waitsMs.length + 1;
  }

  /** The wait after failed attempt number `attempt` (1-based); null when it was the last. */
  delayAfter(attempt: number, random: () => number = Math.random): number | null {
    const wait = this.waitsMs[attempt - 1];
    if (wait === undefined) return null;
    return Math.round(wait * (0.8 + 0.4 * random()));
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function parseDuration(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`WEBHOOK_RETRY_SCHEDULE: ${text} is not a duration (e.g. 500ms, 5s, 2m, 1h)`);
  return Number(match[1]) * UNITS[match[2]!]!;
}
