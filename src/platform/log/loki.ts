/**
 * Ships log lines to Loki's push API (`POST <LOKI_URL>/loki/api/v1/push`)
 * in batches, beside the normal output: a pino destination that buffers
 * lines and sends them every `batchMs` or when `batchSize` are waiting.
 * Logging must never block or break the process: a failed push keeps the
 * lines for the next try, up to `maxBuffered`, then drops the oldest and
 * counts them. Labels are few and fixed (app, service, level): Loki indexes
 * labels, not content; everything else stays in the JSON line.
 */
export interface LokiSettings {
  url: string;
  /** Stream labels besides `level`, e.g. { app: 'scalestack', service: 'api' }. */
  labels?: Record<string, string>;
  batchMs?: number;
  batchSize?: number;
  maxBuffered?: number;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

export class LokiShipper {
  private buffer: Array<{ level: string; ns: string; line: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Lines dropped because Loki was unreachable for too long. */
  dropped = 0;
  private readonly endpoint: string;

  constructor(private readonly settings: LokiSettings) {
    this.endpoint = `${settings.url.replace(/\/$/, '')}/loki/api/v1/push`;
  }

  /** pino's destination interface: one serialized JSON line (already redacted) per call. */
  write(chunk: string): void {
    const line = chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk;
    let level = 'info';
    let ms = Date.now();
    try {
      const parsed = JSON.parse(line) as { level?: number; time?: string | number };
      level = LEVELS[parsed.level ?? 30] ?? 'info';
      const t = typeof parsed.time === 'string' ? Date.parse(parsed.time) : parsed.time;
      if (typeof t === 'number' && Number.isFinite(t)) ms = t;
    } catch {
      // Not JSON (should not happen with pino): ship it as an info line anyway.
    }
    this.buffer.push({ level, ns: `${ms}000000`, line });
    const max = this.settings.maxBuffered ?? 10_000;
    if (this.buffer.length > max) {
      this.dropped += this.buffer.length - max;
      this.buffer.splice(0, this.buffer.length - max);
    }
    if (this.buffer.length >= (this.settings.batchSize ?? 500)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.settings.batchMs ?? 1000);
      // Waiting log lines must not keep the process alive; shutdown calls flush().
      this.timer.unref();
    }
  }

  /** Sends what is buffered, batch by batch, after any flush already running; a failed push keeps its lines for the retry. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.settings.batchSize ?? 500);
      try {
        await this.push(batch);
      } catch {
        // Loki down or slow: put the batch back in front and try again later.
        this.buffer.unshift(...batch);
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), (this.settings.batchMs ?? 1000) * 2);
          this.timer.unref();
        }
        return;
      }
    }
  }

  private async push(batch: Array<{ level: string; ns: string; line: string }>): Promise<void> {
    const streams = new Map<string, Array<[string, string]>>();
    for (const entry of batch) {
      let values = streams.get(entry.level);
      if (!values) streams.set(entry.level, (values = []));
      values.push([entry.ns, entry.line]);
    }
    const body = JSON.stringify({
      streams: [...streams].map(([level, values]) => ({ stream: { ...this.settings.labels, level }, values })),
    });
    const res = await fetch(this.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`Loki answered ${res.status}`);
  }
}

const shippers = new Set<LokiShipper>();

export function createLokiShipper(settings: LokiSettings): LokiShipper {
  const shipper = new LokiShipper(settings);
  shippers.add(shipper);
  return shipper;
}

/** At shutdown: send every buffered line (bounded by each push's timeout). */
export async function flushLogShipping(): Promise<void> {
  await Promise.all([...shippers].map((s) => s.flush()));
}
