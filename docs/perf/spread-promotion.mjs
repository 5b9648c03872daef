// Does an object literal that starts with a spread outlive the scavenges it should die in? Each variant makes one
// small object per operation (4 loops of 20 concurrent operations, each awaiting once) and drops it, in a fresh
// process under --trace-gc; printed: the heap kept per scavenge (what the old generation gains, only a mark-compact
// frees it), the scavenge pause, and whether two objects made last share a hidden class (V8's map). On Node 20.20
// (V8 11.3) the literals of two spreads, or of a spread and a property, get a map of their own once warm: maps
// are allocated in the old generation, so each such object leaves one there. bentocache built its options this
// way on every cache operation (createCacheEntryOptions: `{ ...defaults, ...newOptions }`); the server's bundle
// patches it to Object.assign (tools/dependency-patches.mjs, ADR 0044; docs/perf/results.md, 2026-12-05).
//   node docs/perf/spread-promotion.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const VARIANTS = {
  'spread, then spread': 'const make = (b) => ({ ...a, ...b });',
  'spread, then a property': 'const make = (b) => ({ ...a, key: b.key });',
  'a property, then spreads': 'const make = (b) => ({ key: b.key, ...a, ...b });',
  'one spread': 'const make = () => ({ ...a });',
  'Object.assign': 'const make = (b) => Object.assign({}, a, b);',
};

if (process.argv[2] === '--variant') {
  const a = { ttl: 60_000, grace: false };
  const make = new Function('a', `${VARIANTS[process.argv[3]]} return make;`)(a);
  let sink = 0;
  const op = async (i) => {
    const o = make({ key: `k${i}` });
    await null;
    sink += o.ttl ?? 0;
  };
  const end = Date.now() + 4000;
  let i = 0;
  await Promise.all([0, 1, 2, 3].map(async () => { while (Date.now() < end) await Promise.all(Array.from({ length: 20 }, () => op(i++))); }));
  if (sink < 0) console.log(sink);
  // Only with --allow-natives-syntax, which the runner below passes; new Function keeps this file parseable without it.
  console.log(`same map: ${new Function('make', 'return %HaveSameMap(make({ key: "x" }), make({ key: "y" }))')(make)}`);
} else {
  console.log(`node ${process.version}`);
  for (const name of Object.keys(VARIANTS)) {
    const run = spawnSync(process.execPath, ['--trace-gc', '--allow-natives-syntax', fileURLToPath(import.meta.url), '--variant', name], { encoding: 'utf8' });
    // "Scavenge 31.9 (48.7) -> 19.6 (50.5) MB, 2.54 / 0.00 ms": the heap after each scavenge, and its pause.
    const scavenges = [...run.stdout.matchAll(/Scavenge [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \//g)].map((m) => ({ after: Number(m[1]), pause: Number(m[2]) }));
    let kept = 0;
    let counted = 0;
    // Consecutive scavenges only: a mark-compact between two frees what they kept.
    for (let k = 1; k < scavenges.length; k++) {
      const grew = scavenges[k].after - scavenges[k - 1].after;
      if (grew >= 0) (kept += grew), counted++;
    }
    const pause = scavenges.reduce((s, x) => s + x.pause, 0) / Math.max(1, scavenges.length);
    const sameMap = /same map: true/.test(run.stdout) ? 'one map for all' : 'a map per object';
    console.log(`${name.padEnd(26)} ${scavenges.length} scavenges, kept ${(kept / Math.max(1, counted)).toFixed(2)} MB per scavenge, pause ${pause.toFixed(2)} ms, ${sameMap}`);
  }
}
