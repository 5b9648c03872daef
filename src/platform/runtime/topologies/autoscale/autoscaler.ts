import { cpus } from 'node:os';
import type { Logger } from '../../../log/logger.js';
import { decide, defaultPolicy, nextState, type Policy, type ScaleState, type Signals } from './decide.js';
import { parseMetrics, quantileFromBuckets, type Sample } from './scrape.js';

export interface ScalableReplicas {
  /** The live replicas of a service, with their URLs. */
  replicasOf(service: string): Array<{ name: string; url: string }>;
  /** Start or retire replicas until `count` run `service`. */
  scaleTo(service: string, count: number): Promise<void>;
}

interface Previous { cpu: number; buckets: Map<number, number>; at: number }

/** One tick's decision for one service, with the signals it was taken on. */
export interface DecisionEntry {
  at: number;
  service: string;
  action: 'out' | 'in' | 'hold';
  from: number;
  to: number;
  reason: string;
  signals: Signals;
}

/** What the supervisor's `GET /autoscaler` answers, and the console shows: the policy and the decisions that were news. */
export interface AutoscalerView {
  intervalMs: number;
  policy: Policy;
  /** Scale-outs, scale-ins and holds with a mark crossed (what is logged at info), newest last. */
  recent: DecisionEntry[];
}

/** Decisions kept in memory: every tick of every service (tests, the last few minutes) and the news (the console's list). */
const KEEP_DECISIONS = 200;
const KEEP_NEWS = 50;

/** Busy and total CPU time of the host's cores so far (os.cpus(), ms). */
export type HostTimes = () => { busy: number; total: number };

/** The host's cores' busy and total ms so far, from os.cpus() (the step bench reads it too). */
export const hostTimes: HostTimes = () => {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
};

/** The busy share of all the host's cores since the previous call, 0..1 (0 at the first call: nothing to compare with). */
export function hostCpuMeter(read: HostTimes = hostTimes): () => number {
  let last = read();
  return () => {
    const now = read();
    const total = now.total - last.total;
    const share = total > 0 ? (now.busy - last.busy) / total : 0;
    last = now;
    return Math.min(1, Math.max(0, share));
  };
}

/** A decision as the log tells it: `autoscale social: scale out 1 -> 2 (CPU 93% > 70%)` (the bench and tests tell it the same way). */
export function decisionText(d: Pick<DecisionEntry, 'service' | 'action' | 'from' | 'to' | 'reason'>): string {
  const change = d.action === 'hold' ? `hold at ${d.from}` : `${d.action === 'out' ? 'scale out' : 'scale in'} ${d.from} -> ${d.to}`;
  return `autoscale ${d.service}: ${change} (${d.reason})`;
}

function remember(list: DecisionEntry[], entry: DecisionEntry, keep: number): void {
  list.push(entry);
  if (list.length > keep) list.splice(0, list.length - keep);
}

/**
 * `start --topology services --autoscale`: every interval, scrapes each replica's /metrics, turns them
 * into the signals of the decision flow (mean CPU, p99 of the interval, in-flight per replica, outbox
 * backlog), decides per service and applies it; every decision other than a quiet hold is logged with
 * its reason (and every one at debug).
 */
export class Autoscaler {
  private readonly states = new Map<string, ScaleState>();
  private readonly previous = new Map<string, Previous>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly warnedAt = new Map<string, number>();
  private readonly heldLoggedAt = new Map<string, number>();
  /** The last KEEP_DECISIONS decisions, quiet holds included (bounded: six services tick every 2 s for as long as it runs). */
  readonly decisions: DecisionEntry[] = [];
  private readonly news: DecisionEntry[] = [];

  constructor(
    private readonly target: ScalableReplicas,
    private readonly services: string[],
    private readonly adminToken: string,
    private readonly logger: Logger,
    private readonly policy: Policy = defaultPolicy,
    private readonly intervalMs = 2_000,
    /** The host's busy share over the last tick: replicas share its cores, so past them none adds capacity. */
    private readonly hostCpu: () => number = hostCpuMeter(),
    /** A monotonic clock (ms): how far into a tick each scrape was answered. */
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Once per tick, for every service: it is the same host.
      const hostCpu = this.hostCpu();
      // The tick's clock, read when each scrape is answered: a counter's increase is over the time between two readings.
      const began = this.monotonic();
      const clock = () => now + (this.monotonic() - began);
      // Services side by side: one whose replicas answer slowly (throttled, saturated) does not delay the others' readings.
      await Promise.all(this.services.map((service) => this.tickService(service, now, hostCpu, clock)));
    } finally {
      this.busy = false;
    }
  }

  private async tickService(service: string, now: number, hostCpu: number, clock: () => number): Promise<void> {
    const replicas = this.target.replicasOf(service);
    if (replicas.length === 0) return;
    const scraped = await Promise.all(replicas.map(async (r) => {
      const result = await this.scrape(r.url);
      return { r, ...result, at: clock() };
    }));
    const failures = scraped.filter((s) => s.failure).map((s) => `${s.r.name}: ${s.failure}`);
    // Not silently: a tick without metrics decides nothing (the first step test found every scrape refused, and no log said so).
    if (failures.length > 0 && now - (this.warnedAt.get(service) ?? -Infinity) >= 30_000) {
      this.warnedAt.set(service, now);
      this.logger.warn({ service, failures }, `autoscale ${service}: no metrics from ${failures.length} of ${replicas.length} replicas (${failures.join('; ')})`);
    }
    let cpu = 0;
    let inFlight = 0;
    let queueDepth = 0;
    const buckets = new Map<number, number>();
    let counted = 0;
    for (const { r, samples, at } of scraped) {
      if (!samples) continue;
      counted++;
      const key = `${service}/${r.name}`;
      const cpuNow = samples.find((s) => s.name === 'process_cpu_seconds_total')?.value ?? 0;
      const mine = new Map<number, number>();
      for (const s of samples) {
        if (s.name === 'http_request_duration_seconds_bucket' && s.labels['service'] === service) {
          const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
          mine.set(le, (mine.get(le) ?? 0) + s.value);
        }
        if (s.name === 'http_requests_in_flight' && s.labels['service'] === service) inFlight += s.value;
        if (s.name === 'outbox_pending_messages') queueDepth = Math.max(queueDepth, s.value);
      }
      const prev = this.previous.get(key);
      if (prev) {
        // Over the time between this replica's two readings, not the ticks': under load a scrape answered seconds late
        // read an idle service's few ms of CPU over a 2 s tick as 0.7 core (a 0.3-core replica at "236%").
        cpu += (cpuNow - prev.cpu) / Math.max((at - prev.at) / 1000, 0.001);
        for (const [le, count] of mine) buckets.set(le, (buckets.get(le) ?? 0) + count - (prev.buckets.get(le) ?? 0));
      }
      this.previous.set(key, { cpu: cpuNow, buckets: mine, at });
    }
    if (counted === 0) return;
    // Against each replica's share, as an HPA reads a pod's CPU against its request: a replica limited to 0.3 core is full at 0.3.
    const signals: Signals = { cpu: cpu / counted / this.policy.replicaCpu, p99Ms: quantileFromBuckets(buckets, 0.99) * 1000, inFlight: inFlight / counted, queueDepth, hostCpu };
    const state = this.states.get(service) ?? { replicas: replicas.length, lastChangeAt: 0, lowSince: null, p99OverSince: null };
    state.replicas = replicas.length;
    const policy = this.policy;
    const decision = decide(signals, state, policy, now);
    this.states.set(service, nextState(state, signals, policy, decision, now));
    const entry: DecisionEntry = { at: now, service, action: decision.action, from: replicas.length, to: decision.replicas, reason: decision.reason, signals };
    remember(this.decisions, entry, KEEP_DECISIONS);
    if (decision.action === 'hold') {
      // A mark crossed but not acted on is news (why the replicas did not follow the load): at info, at most every 30 s per service and cause.
      const key = `${service}/${decision.heldBy}`;
      const news = decision.heldBy && decision.heldBy !== 'cooldown' && now - (this.heldLoggedAt.get(key) ?? -Infinity) >= 30_000;
      if (news) {
        this.heldLoggedAt.set(key, now);
        remember(this.news, entry, KEEP_NEWS);
      }
      this.logger[news ? 'info' : 'debug'](entry, decisionText(entry));
      return;
    }
    remember(this.news, entry, KEEP_NEWS);
    this.logger.info(entry, decisionText(entry));
    await this.target.scaleTo(service, decision.replicas).catch((err: Error) => this.logger.error({ service, err: err.message }, 'autoscale: scaling failed'));
  }

  view(): AutoscalerView {
    return { intervalMs: this.intervalMs, policy: this.policy, recent: [...this.news] };
  }

  private async scrape(url: string): Promise<{ samples: Sample[] | null; failure?: string }> {
    try {
      const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${this.adminToken}` }, signal: AbortSignal.timeout(1_500) });
      if (!res.ok) {
        await res.body?.cancel();
        return { samples: null, failure: `answered ${res.status}` };
      }
      return { samples: parseMetrics(await res.text()) };
    } catch (err) {
      return { samples: null, failure: (err as Error).name === 'TimeoutError' ? 'no answer within 1.5 s' : (err as Error).message };
    }
  }
}
