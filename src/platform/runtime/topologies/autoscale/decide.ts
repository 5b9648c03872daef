import { availableParallelism } from 'node:os';

/**
 * The local autoscaler's decision (seed 002's flow: monitor metrics -> threshold exceeded? -> scale up, or
 * maintain -> continue monitoring; "scale in slowly"). Pure: signals and state in, a decision with its
 * reason out, so every branch is a unit test and every decision can be logged as it was taken.
 */
export interface Signals {
  /** Mean CPU of the service's replicas, 0..1 of each one's CPU (its REPLICA_CPU_LIMIT, or one core). */
  cpu: number;
  /** p99 of the service's requests over the last interval, ms (0 with no traffic). */
  p99Ms: number;
  /** Requests in flight per replica, mean. */
  inFlight: number;
  /** Messages waiting in the service's queues (outbox pending + broker backlog), all replicas. */
  queueDepth: number;
  /** Busy share of the whole host over the interval, 0..1 of all its cores (every replica runs on this one host). */
  hostCpu: number;
}

export interface Policy {
  min: number;
  max: number;
  /** Cores one replica may use: REPLICA_CPU_LIMIT, or 1 (a replica is one event loop). Its CPU is read against this. */
  replicaCpu: number;
  /** Scale out above these ... */
  cpuHigh: number;
  p99HighMs: number;
  /**
   * p99 alone scales out only once it has been over its mark this long (every tick in between): a 2 s interval at
   * low load has ~100 requests, and its p99 is its slowest one or two, so one stall of the machine read as overload
   * (the step test scaled out after the load had dropped). CPU, in-flight and queue depth act at once.
   */
  p99SustainMs: number;
  inFlightHigh: number;
  /** Queue depth one replica is expected to absorb: more adds replicas in proportion. */
  queuePerReplica: number;
  /**
   * At this share of the host's cores busy, a scale-out is not taken: a new replica's CPU could only come from
   * the processes already running (the cache-off step ran social 1 -> 8 on two cores, served no more, and took
   * Postgres to its connection limit).
   */
  hostCpuFull: number;
  /** ... and in only when every signal is below these (the gap between high and low is the hysteresis). */
  cpuLow: number;
  p99LowMs: number;
  inFlightLow: number;
  /** No new scale-out within this long of the last one (let new replicas take load first). */
  scaleOutCooldownMs: number;
  /** Signals must have been low this long, and the last change this far back, before one replica goes. */
  scaleInAfterMs: number;
}

export interface ScaleState {
  replicas: number;
  lastChangeAt: number;
  /** Since when every signal has been below its low mark (null while any is not). */
  lowSince: number | null;
  /** Since when p99 has been over its high mark (null while it is not). */
  p99OverSince: number | null;
}

export interface Decision {
  action: 'out' | 'in' | 'hold';
  replicas: number;
  reason: string;
  /** A hold although a mark was crossed, and what held it (the autoscaler logs these, not only at debug). */
  heldBy?: 'max' | 'host' | 'cooldown';
}

/** The policy's marks and cooldowns; its max replicas and each one's CPU depend on the host (policyForHost). */
const marks: Omit<Policy, 'max' | 'replicaCpu'> = {
  min: 1,
  cpuHigh: 0.7,
  p99HighMs: 250,
  p99SustainMs: 4_000,
  inFlightHigh: 50,
  queuePerReplica: 500,
  cpuLow: 0.3,
  p99LowMs: 100,
  inFlightLow: 10,
  hostCpuFull: 0.9,
  scaleOutCooldownMs: 5_000,
  scaleInAfterMs: 30_000,
};

/**
 * The default policy with max replicas per service set explicitly (AUTOSCALE_MAX_REPLICAS), or as many as the
 * host's cores hold at each replica's CPU (REPLICA_CPU_LIMIT; unset, one core: a replica is one event loop), past
 * which more of them add no capacity.
 */
export function policyForHost(maxReplicas: number | undefined, replicaCpu: number | undefined, cores = availableParallelism()): Policy {
  const cpu = replicaCpu ?? 1;
  return { ...marks, replicaCpu: cpu, max: maxReplicas ?? Math.max(1, Math.floor(cores / cpu + 1e-9)) };
}

export const defaultPolicy: Policy = policyForHost(undefined, undefined);

/** "CPU 87%", or "CPU 87% of 0.3 core" when replicas are limited: the share is of what a replica may use. */
const cpuText = (cpu: number, p: Policy) => `CPU ${(cpu * 100).toFixed(0)}%${p.replicaCpu === 1 ? '' : ` of ${p.replicaCpu} core`}`;

export function decide(s: Signals, state: ScaleState, p: Policy, now: number): Decision {
  const { replicas } = state;
  const over: string[] = [];
  // How many replicas each signal asks for, in proportion to how far past its mark it is.
  let want = replicas;
  if (s.cpu > p.cpuHigh) {
    over.push(`${cpuText(s.cpu, p)} > ${(p.cpuHigh * 100).toFixed(0)}%`);
    want = Math.max(want, Math.ceil((replicas * s.cpu) / p.cpuHigh));
  }
  const p99For = s.p99Ms > p.p99HighMs ? now - (state.p99OverSince ?? now) : null;
  if (p99For !== null && p99For >= p.p99SustainMs) {
    over.push(`p99 ${Math.round(s.p99Ms)} ms > ${p.p99HighMs} ms for ${Math.round(p99For / 1000)} s`);
    want = Math.max(want, replicas + 1);
  }
  if (s.inFlight > p.inFlightHigh) {
    over.push(`in flight ${s.inFlight.toFixed(0)}/replica > ${p.inFlightHigh}`);
    want = Math.max(want, Math.ceil((replicas * s.inFlight) / p.inFlightHigh));
  }
  if (s.queueDepth > p.queuePerReplica * replicas) {
    over.push(`queue ${s.queueDepth} > ${p.queuePerReplica}/replica`);
    want = Math.max(want, Math.ceil(s.queueDepth / p.queuePerReplica));
  }
  if (over.length > 0) {
    // At most double per step: the signals of a replica that has just started are not in yet.
    const target = Math.min(p.max, want, replicas * 2);
    if (target <= replicas) return { action: 'hold', replicas, reason: `${over.join(', ')}; already at max ${p.max}`, heldBy: 'max' };
    if (s.hostCpu >= p.hostCpuFull) {
      return { action: 'hold', replicas, reason: `${over.join(', ')}; host CPU ${(s.hostCpu * 100).toFixed(0)}%: more replicas cannot add capacity`, heldBy: 'host' };
    }
    if (now - state.lastChangeAt < p.scaleOutCooldownMs) {
      return { action: 'hold', replicas, reason: `${over.join(', ')}; cooling down (${Math.ceil((p.scaleOutCooldownMs - (now - state.lastChangeAt)) / 1000)} s)`, heldBy: 'cooldown' };
    }
    return { action: 'out', replicas: target, reason: over.join(', ') };
  }
  if (p99For !== null) return { action: 'hold', replicas, reason: `p99 ${Math.round(s.p99Ms)} ms > ${p.p99HighMs} ms for ${Math.round(p99For / 1000)} s; acts after ${p.p99SustainMs / 1000} s` };
  const notLow = signalsNotLow(s, p);
  if (notLow.length > 0) return { action: 'hold', replicas, reason: `between the marks (hysteresis): ${notLow.join(', ')}` };
  if (replicas <= p.min) return { action: 'hold', replicas, reason: `low load; at min ${p.min}` };
  const since = state.lowSince ?? now;
  if (now - since < p.scaleInAfterMs || now - state.lastChangeAt < p.scaleInAfterMs) {
    return { action: 'hold', replicas, reason: `low load for ${Math.round((now - since) / 1000)} s; scale in after ${p.scaleInAfterMs / 1000} s` };
  }
  // Slowly: one replica at a time.
  return { action: 'in', replicas: replicas - 1, reason: `every signal low for ${Math.round((now - since) / 1000)} s (${cpuText(s.cpu, p)}, p99 ${Math.round(s.p99Ms)} ms)` };
}

/** The signals at or over their low mark: what keeps a scale-in from starting (a hold's reason names them). */
function signalsNotLow(s: Signals, p: Policy): string[] {
  const notLow: string[] = [];
  if (s.cpu >= p.cpuLow) notLow.push(`${cpuText(s.cpu, p)} ≥ ${(p.cpuLow * 100).toFixed(0)}%`);
  if (s.p99Ms >= p.p99LowMs) notLow.push(`p99 ${Math.round(s.p99Ms)} ms ≥ ${p.p99LowMs} ms`);
  if (s.inFlight >= p.inFlightLow) notLow.push(`in flight ${s.inFlight.toFixed(0)}/replica ≥ ${p.inFlightLow}`);
  if (s.queueDepth > 0) notLow.push(`queue ${s.queueDepth}`);
  return notLow;
}

/** The state after a decision: lowSince tracks how long every signal has been low. */
export function nextState(state: ScaleState, s: Signals, p: Policy, d: Decision, now: number): ScaleState {
  const low = signalsNotLow(s, p).length === 0;
  const changed = d.replicas !== state.replicas;
  return {
    replicas: d.replicas,
    lastChangeAt: changed ? now : state.lastChangeAt,
    lowSince: low && !changed ? (state.lowSince ?? now) : null,
    p99OverSince: s.p99Ms > p.p99HighMs ? (state.p99OverSince ?? now) : null,
  };
}
