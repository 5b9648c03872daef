import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, defaultPolicy, nextState, policyForHost, type ScaleState, type Signals } from './decide.js';

const quiet: Signals = { cpu: 0.1, p99Ms: 20, inFlight: 1, queueDepth: 0, hostCpu: 0.3 };
const p = { ...defaultPolicy, min: 1, max: 6, scaleOutCooldownMs: 5_000, scaleInAfterMs: 30_000 };
const at = (replicas: number, lastChangeAt = -1e9, lowSince: number | null = null, p99OverSince: number | null = null): ScaleState => ({ replicas, lastChangeAt, lowSince, p99OverSince });

describe('autoscaler decision (seed 002: threshold exceeded -> scale up; else maintain; scale in slowly)', () => {
  it('CPU over 70% scales out in proportion, at most doubling per step, with the reason', () => {
    const d = decide({ ...quiet, cpu: 0.95 }, at(2), p, 0);
    assert.deepEqual(d, { action: 'out', replicas: 3, reason: 'CPU 95% > 70%' });
    assert.equal(decide({ ...quiet, cpu: 3 }, at(2), p, 0).replicas, 4);
  });

  it('p99 over the mark adds a replica even when CPU is low, once it has held 4 s; in-flight and queue depth add in proportion', () => {
    assert.deepEqual(decide({ ...quiet, p99Ms: 400 }, at(1, -1e9, null, 0), p, 4_000), { action: 'out', replicas: 2, reason: 'p99 400 ms > 250 ms for 4 s' });
    assert.equal(decide({ ...quiet, inFlight: 120 }, at(2), p, 0).replicas, 4);
    const q = decide({ ...quiet, queueDepth: 1600 }, at(1), p, 0);
    assert.equal(q.replicas, 2);
    assert.match(q.reason, /queue 1600 > 500\/replica/);
  });

  it('one slow interval (a 1 s stall at 50 req/s: its p99 is its slowest request or two) scales nothing; a p99 over the mark tick after tick does', () => {
    let state = at(1);
    const seen: string[] = [];
    const tick = (t: number, s: Signals) => {
      const d = decide(s, state, p, t);
      seen.push(`${t}:${d.action}`);
      state = nextState(state, s, p, d, t);
      return d;
    };
    // The stall: one interval over the mark, then quiet again.
    tick(0, quiet);
    assert.match(tick(2_000, { ...quiet, p99Ms: 495 }).reason, /p99 495 ms > 250 ms for 0 s; acts after 4 s/);
    tick(4_000, quiet);
    assert.deepEqual(seen, ['0:hold', '2000:hold', '4000:hold']);
    // Overload: over the mark at every tick; the third, 4 s after the first, scales out.
    for (const t of [6_000, 8_000]) assert.equal(tick(t, { ...quiet, p99Ms: 900 }).action, 'hold');
    assert.deepEqual(tick(10_000, { ...quiet, p99Ms: 900 }), { action: 'out', replicas: 2, reason: 'p99 900 ms > 250 ms for 4 s' });
  });

  it('never past max; holds during the scale-out cooldown and says so', () => {
    assert.deepEqual(decide({ ...quiet, cpu: 0.9 }, at(6), p, 0), { action: 'hold', replicas: 6, reason: 'CPU 90% > 70%; already at max 6', heldBy: 'max' });
    const d = decide({ ...quiet, cpu: 0.9 }, at(2, 0), p, 2_000);
    assert.equal(d.action, 'hold');
    assert.match(d.reason, /cooling down \(3 s\)/);
  });

  it("max replicas follow the host's cores unless set: past them a replica is one more event loop on the same cores", () => {
    assert.equal(policyForHost(undefined, undefined, 2).max, 2);
    assert.equal(policyForHost(5, undefined, 2).max, 5);
    // Three cores' worth of CPU on one replica asks for four, but a 2-core host gets two.
    assert.deepEqual(decide({ ...quiet, cpu: 2.1 }, at(1), policyForHost(undefined, undefined, 2), 0), { action: 'out', replicas: 2, reason: 'CPU 210% > 70%' });
    assert.equal(decide({ ...quiet, cpu: 2.1 }, at(2), policyForHost(undefined, undefined, 2), 0).heldBy, 'max');
  });

  it("with a CPU limit per replica, as many replicas as the host's cores hold at that limit, and the reason names the limit", () => {
    assert.equal(policyForHost(undefined, 0.3, 2).max, 6);
    assert.equal(policyForHost(undefined, 0.5, 2).max, 4);
    assert.equal(policyForHost(undefined, 4, 2).max, 1);
    assert.equal(policyForHost(3, 0.3, 2).max, 3);
    const limited = policyForHost(undefined, 0.3, 2);
    assert.deepEqual(decide({ ...quiet, cpu: 0.9 }, at(1), limited, 0), { action: 'out', replicas: 2, reason: 'CPU 90% of 0.3 core > 70%' });
  });

  it("with the host's cores all busy, a scale-out that cannot add capacity is not taken, and the reason says why", () => {
    assert.deepEqual(decide({ ...quiet, cpu: 0.95, hostCpu: 0.97 }, at(1), p, 0), {
      action: 'hold', replicas: 1, reason: 'CPU 95% > 70%; host CPU 97%: more replicas cannot add capacity', heldBy: 'host',
    });
    // Every scale-out signal is held alike (p99 over its mark for 4 s, in flight, queue depth) ...
    for (const s of [{ p99Ms: 900 }, { inFlight: 120 }, { queueDepth: 1600 }]) {
      assert.equal(decide({ ...quiet, ...s, hostCpu: 0.95 }, at(1, -1e9, null, 0), p, 4_000).heldBy, 'host', JSON.stringify(s));
    }
    // ... and taken once the host has cores to spare.
    assert.equal(decide({ ...quiet, cpu: 0.95, hostCpu: 0.85 }, at(1), p, 0).action, 'out');
    // Scale-in does not wait for the host: a busy host is one more reason to give a core back.
    assert.equal(decide({ ...quiet, hostCpu: 0.99 }, at(2, 0, 1_000), p, 40_000).action, 'in');
  });

  it('between the high and low marks nothing changes (hysteresis), and the reason names each signal that is not low', () => {
    assert.deepEqual(decide({ ...quiet, cpu: 0.5 }, at(3), p, 0), { action: 'hold', replicas: 3, reason: 'between the marks (hysteresis): CPU 50% ≥ 30%' });
    const all = decide({ cpu: 0.3, p99Ms: 180.4, inFlight: 12, queueDepth: 7, hostCpu: 0.3 }, at(3), p, 0);
    assert.equal(all.reason, 'between the marks (hysteresis): CPU 30% ≥ 30%, p99 180 ms ≥ 100 ms, in flight 12/replica ≥ 10, queue 7');
    // Just under every low mark is low: a scale-in may start.
    assert.match(decide({ cpu: 0.29, p99Ms: 99, inFlight: 9, queueDepth: 0, hostCpu: 0.3 }, at(3, 0, 0), p, 40_000).reason, /^every signal low/);
  });

  it('scales in one replica at a time, only after every signal has been low for the whole window, never under min', () => {
    let state = at(3, 0);
    const seen: string[] = [];
    for (let t = 1_000; t <= 100_000; t += 1_000) {
      const d = decide(quiet, state, p, t);
      if (d.action !== 'hold') seen.push(`${t}:${d.action}:${d.replicas}`);
      state = nextState(state, quiet, p, d, t);
    }
    // Low since 1 s: first scale-in at 31 s, the next 30 s after that change, then at min.
    assert.deepEqual(seen, ['31000:in:2', '62000:in:1']);
    assert.match(decide(quiet, state, p, 200_000).reason, /at min 1/);
  });

  it('a spike during the low window restarts it', () => {
    let state = at(2, 0);
    for (const [t, s] of [[1_000, quiet], [20_000, { ...quiet, cpu: 0.5 }], [40_000, quiet]] as const) state = nextState(state, s, p, decide(s, state, p, t), t);
    assert.equal(state.lowSince, 40_000);
    assert.equal(decide(quiet, state, p, 60_000).action, 'hold');
    assert.equal(decide(quiet, state, p, 70_000).action, 'in');
  });
});
