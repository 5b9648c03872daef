import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flameGraphSvg, foldStacks, frameLabel, writeFlameGraph } from './flame-graph.js';

const frame = (functionName: string, url = 'file:///work/wt/x/src/services/social/routes/articles.ts', lineNumber = 9) => ({
  functionName,
  url,
  lineNumber,
  columnNumber: 0,
});
// (root) -> handler -> { serialize (3 samples), query -> wasm (1 sample) }, plus (idle) twice and GC once.
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 6, 7] },
    { id: 2, callFrame: frame('handler'), children: [3, 4] },
    { id: 3, callFrame: frame('serialize', 'file:///work/wt/x/node_modules/fast-json-stringify/index.js', 99) },
    { id: 4, callFrame: frame('query', 'file:///work/wt/x/node_modules/@electric-sql/pglite/dist/index.js', 0), children: [5] },
    { id: 5, callFrame: frame('$func42', 'wasm://wasm/0123abcd', 0) },
    { id: 6, callFrame: frame('(idle)', '') },
    { id: 7, callFrame: frame('(garbage collector)', '') },
  ],
  startTime: 0,
  endTime: 800,
  samples: [3, 3, 6, 3, 5, 6, 7, 2],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100],
};

/** The drawn frames as name -> [x, width], read back from the SVG. */
function boxes(svg: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const m of svg.matchAll(/<title>(.*?) \(\d+ samples[^<]*<\/title><rect x="([\d.]+)" y="\d+" width="([\d.]+)"/g)) {
    out.set(m[1]!.split(' ')[0]!, [Number(m[2]), Number(m[3])]);
  }
  return out;
}

describe('flame graphs from CPU profiles', () => {
  it('folds each sample into its stack, root first, without (root) and (idle)', () => {
    const folded = foldStacks(profile);
    assert.deepEqual(Object.fromEntries(folded), {
      'handler src/services/social/routes/articles.ts;serialize fast-json-stringify/index.js:100': 3,
      'handler src/services/social/routes/articles.ts;query @electric-sql/pglite/dist/index.js:1;$func42 wasm://wasm/0123abcd:1': 1,
      '(garbage collector)': 1,
      'handler src/services/social/routes/articles.ts': 1,
    });
  });

  it("names a frame by function and file, with the checkout's path cut (no line for tsx's one-line TypeScript)", () => {
    assert.equal(frameLabel(profile.nodes[1]!), 'handler src/services/social/routes/articles.ts');
    assert.equal(frameLabel(profile.nodes[2]!), 'serialize fast-json-stringify/index.js:100');
    assert.equal(frameLabel({ id: 9, callFrame: frame('writev', '') }), 'writev');
  });

  it('draws each frame as wide as its samples, children side by side within their parent', () => {
    const b = boxes(flameGraphSvg(foldStacks(profile), { title: 't', width: 620 }));
    // 6 on-CPU samples over 600 px (10 px padding each side): 100 px a sample, less a 0.5 px gap; siblings by name.
    assert.deepEqual(b.get('all'), [10, 599.5]);
    assert.deepEqual(b.get('(garbage'), [10, 99.5]);
    assert.deepEqual(b.get('handler'), [110, 499.5]);
    assert.deepEqual(b.get('query'), [110, 99.5]);
    assert.deepEqual(b.get('$func42'), [110, 99.5]);
    assert.deepEqual(b.get('serialize'), [210, 299.5]);
  });

  it('leaves out frames narrower than minShare', () => {
    const w = boxes(flameGraphSvg(foldStacks(profile), { title: 't', minShare: 0.2 }));
    assert.ok(w.has('serialize'));
    assert.ok(!w.has('query') && !w.has('$func42'), 'a 1-in-6 frame is under 20%');
  });

  it('escapes names and titles as XML', () => {
    const svg = flameGraphSvg(new Map([['<anonymous> a&b', 1]]), { title: 'GET /api/articles?x=<1>' });
    assert.ok(svg.includes('&lt;anonymous&gt; a&amp;b') && svg.includes('?x=&lt;1&gt;'));
    assert.ok(!/<anonymous>|<1>/.test(svg));
  });

  it('writes <name>.svg next to the .cpuprofile, saying how much idle it left out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scalestack-flame-'));
    try {
      const file = join(dir, 'pglite-get-api-articles.cpuprofile');
      await writeFile(file, JSON.stringify(profile));
      const svg = await writeFlameGraph(file, 'pglite GET /api/articles');
      assert.equal(svg, join(dir, 'pglite-get-api-articles.svg'));
      const text = await readFile(svg, 'utf8');
      assert.match(text, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(text, /8 samples over 1 ms; 25% idle left out/);
      assert.ok(text.trimEnd().endsWith('</svg>'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
