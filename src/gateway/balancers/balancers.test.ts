import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Candidate, PickContext } from './balancer.js';
import { RoundRobin } from './round-robin.js';
import { LeastConnections } from './least-connections.js';
import { IpHash } from './ip-hash.js';
import { ConsistentHash } from './consistent-hash.js';
import { PowerOfTwo } from './power-of-two.js';
import { openBalancer } from './open-balancer.js';

const replicas = (n: number, inFlight: number[] = []): Candidate[] =>
  Array.from({ length: n }, (_, i) => ({ id: `http://10.0.0.${i + 1}:8080`, inFlight: inFlight[i] ?? 0 }));
const anon = (ip: string): PickContext => ({ clientIp: ip, userId: null });
const user = (id: number): PickContext => ({ clientIp: '1.1.1.1', userId: id });

function counts(picks: Array<Candidate | undefined>): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of picks) if (p) out.set(p.id, (out.get(p.id) ?? 0) + 1);
  return out;
}

/** Deterministic PRNG (mulberry32) so distribution bounds are reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('balancers', () => {
  it('every strategy returns undefined with no candidates', () => {
    for (const name of ['round-robin', 'least-connections', 'ip-hash', 'consistent-hash', 'power-of-two']) {
      assert.equal(openBalancer(name).pick([], anon('1.2.3.4')), undefined, name);
    }
    assert.throws(() => openBalancer('random'), /unknown balancer/);
  });

  it('round-robin: exactly even over a multiple of n, in order', () => {
    const rr = new RoundRobin();
    const set = replicas(3);
    const picks = Array.from({ length: 300 }, () => rr.pick(set));
    assert.deepEqual([...counts(picks).values()], [100, 100, 100]);
    assert.deepEqual(picks.slice(0, 4).map((p) => p?.id), [set[0]!.id, set[1]!.id, set[2]!.id, set[0]!.id]);
  });

  it('least-connections: always a replica with the fewest in flight; ties shared evenly', () => {
    const lc = new LeastConnections();
    for (let i = 0; i < 50; i++) assert.equal(lc.pick(replicas(3, [5, 1, 3]))?.id, 'http://10.0.0.2:8080');
    const ties = counts(Array.from({ length: 300 }, () => lc.pick(replicas(3, [2, 0, 0]))));
    assert.equal(ties.get('http://10.0.0.1:8080'), undefined, 'the busy one gets nothing');
    assert.equal(ties.get('http://10.0.0.2:8080'), 150);
    assert.equal(ties.get('http://10.0.0.3:8080'), 150);
  });

  it('ip-hash: one address always lands on one replica, whatever the candidate order; addresses spread', () => {
    const ih = new IpHash();
    const set = replicas(4);
    const first = ih.pick(set, anon('203.0.113.7'));
    for (let i = 0; i < 20; i++) assert.equal(ih.pick([...set].reverse(), anon('203.0.113.7'))?.id, first?.id);
    const spread = counts(Array.from({ length: 4000 }, (_, i) => ih.pick(set, anon(`10.${(i >> 8) & 255}.${i & 255}.1`))));
    assert.equal(spread.size, 4);
    for (const [id, n] of spread) assert.ok(n > 800 && n < 1200, `${id}: ${n} of 4000 (expected ~1000)`);
  });

  it('consistent-hash: a user sticks to a replica; removing one of 4 moves only its users (~1/4)', () => {
    const ch = new ConsistentHash();
    const set = replicas(4);
    const users = Array.from({ length: 4000 }, (_, i) => i + 1);
    const before = new Map(users.map((u) => [u, ch.pick(set, user(u))!.id]));
    for (const u of users.slice(0, 50)) assert.equal(ch.pick(set, user(u))?.id, before.get(u), 'sticky');
    const spread = counts(users.map((u) => ch.pick(set, user(u))));
    for (const [id, n] of spread) assert.ok(n > 700 && n < 1300, `${id}: ${n} of 4000 (expected ~1000)`);

    const removed = set[2]!.id;
    const smaller = set.filter((c) => c.id !== removed);
    let moved = 0;
    for (const u of users) {
      const now = ch.pick(smaller, user(u))!.id;
      if (before.get(u) === removed) assert.notEqual(now, removed);
      else if (now !== before.get(u)) moved++;
    }
    assert.equal(moved, 0, 'users of the replicas that stayed do not move');
  });

  it('consistent-hash: anonymous requests hash on the client address', () => {
    const ch = new ConsistentHash();
    const set = replicas(3);
    const a = ch.pick(set, anon('198.51.100.1'));
    for (let i = 0; i < 10; i++) assert.equal(ch.pick(set, anon('198.51.100.1'))?.id, a?.id);
  });

  it('power-of-two: never the busiest of the pair, avoids a loaded replica, and spreads over idle ones', () => {
    const p2 = new PowerOfTwo(seeded(42));
    const loaded = counts(Array.from({ length: 3000 }, () => p2.pick(replicas(3, [0, 0, 50]))));
    // The loaded replica is chosen only when both draws are it, which cannot happen (distinct draws).
    assert.equal(loaded.get('http://10.0.0.3:8080'), undefined);
    const idle = counts(Array.from({ length: 3000 }, () => p2.pick(replicas(3))));
    for (const [id, n] of idle) assert.ok(n > 700 && n < 1300, `${id}: ${n} of 3000 (expected ~1000)`);
    assert.equal(new PowerOfTwo().pick(replicas(1))?.id, 'http://10.0.0.1:8080');
  });
});
