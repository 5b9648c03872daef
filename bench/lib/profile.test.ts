import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../../src/testing/cli-process.js';
import { newestProfile, profileNodeArgs, pruneProfile, sliceProfile, topFunctions } from './profile.js';

const frame = (functionName: string) => ({ functionName, url: 'file:///repo/src/x.ts', lineNumber: 0, columnNumber: 0 });
// Samples at 100, 200, ..., 600 µs: node 2 (hot) three times in the middle, node 3 (cold) at the ends.
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 3] },
    { id: 2, callFrame: frame('hot') },
    { id: 3, callFrame: frame('cold') },
  ],
  startTime: 0,
  endTime: 600,
  samples: [3, 2, 2, 2, 3, 3],
  timeDeltas: [100, 100, 100, 100, 100, 100],
};

describe('per-row CPU profiles', () => {
  it("keeps only the samples inside a row's window and recounts hits", () => {
    const slice = sliceProfile(profile, 200, 450);
    assert.deepEqual(slice.samples, [2, 2, 2]);
    assert.equal(slice.timeDeltas.reduce((a, b) => a + b, 0), 400 - 200);
    assert.deepEqual(slice.nodes.map((n) => n.hitCount), [0, 3, 0]);
  });

  it('prunes a slice to the nodes its samples touched, ancestors kept, children lists with them', () => {
    // (root) -> a -> b, (root) -> c; only b was sampled: a stays as its parent, c goes.
    const tree = {
      ...profile,
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2, 4] },
        { id: 2, callFrame: frame('a'), children: [3], positionTicks: [{ line: 1, ticks: 9 }] },
        { id: 3, callFrame: frame('b') },
        { id: 4, callFrame: frame('c') },
      ],
      samples: [3, 3],
      timeDeltas: [100, 100],
    };
    const pruned = pruneProfile(tree);
    assert.deepEqual(pruned.nodes.map((n) => [n.id, n.children]), [[1, [2]], [2, [3]], [3, []]]);
    assert.ok(pruned.nodes.every((n) => n.positionTicks === undefined), "the whole process's line ticks are not the slice's");
  });

  it('ranks functions by self time, as shares of the slice', () => {
    // 100 and 500 µs: cold; 200-400 µs: hot.
    const top = topFunctions(sliceProfile(profile, 0, 550));
    assert.deepEqual(top.map((t) => [t.fn.split(' ')[0], t.share]), [['hot', 0.6], ['cold', 0.4]]);
  });

  it('a system process started with the profiler flags writes its .cpuprofile (Node refuses them in NODE_OPTIONS)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-profile-'));
    try {
      const cli = await spawnCli({ nodeArgs: profileNodeArgs(dir) }, 'help');
      const exit = await cli.exited;
      assert.equal(exit.code, 0, cli.output());
      assert.ok(await newestProfile(dir), `no .cpuprofile in ${dir}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("picks the newest process's main-thread profile, not a worker thread's written after it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-profile-'));
    try {
      const names = ['CPU.20261202.064700.11111.0.001.cpuprofile', 'CPU.20261202.064739.26712.0.001.cpuprofile', 'CPU.20261202.064740.26712.1.002.cpuprofile'];
      for (const name of names) await writeFile(join(dir, name), '{}');
      assert.equal(await newestProfile(dir), join(dir, names[1]!));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
