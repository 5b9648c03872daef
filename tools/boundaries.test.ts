/**
 * Proves that `npm run check:boundaries` bites: builds two small fixture
 * trees in the temp directory — a clean one, and the same tree plus one file
 * per broken rule — runs the real dependency-cruiser CLI on each with the
 * project's .dependency-cruiser.cjs, and checks that the clean tree passes and
 * the broken one fails naming every rule it broke, and nothing else.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const config = join(root, '.dependency-cruiser.cjs');

type Tree = Record<string, string>;

/** A tree that follows every rule: two services, contracts, platform, gateway, loadgen, the composition root, test support. */
const clean: Tree = {
  'package.json': JSON.stringify({ name: 'fixture', private: true, type: 'module' }),
  'tsconfig.json': JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true },
    include: ['src'],
  }),
  'src/contracts/b.ts': `export interface BClient { hello(): string }\nexport const B = 'b';\n`,
  'src/platform/runtime.ts': `export class Directory { get<T>(_name: string): T { return {} as T; } }\n`,
  'src/services/a/helper.ts': `export const shout = (s: string) => s.toUpperCase();\n`,
  'src/services/a/index.ts': [
    `import type { BClient } from '../../contracts/b.js';`,
    `import { B } from '../../contracts/b.js';`,
    `import { Directory } from '../../platform/runtime.js';`,
    `import { shout } from './helper.js';`,
    `export const a = () => shout(new Directory().get<BClient>(B).hello());`,
    ``,
  ].join('\n'),
  'src/services/a/index.test.ts': `import { fixture } from '../../testing/fixture.js';\nimport { a } from './index.js';\nvoid fixture; void a;\n`,
  'src/services/b/index.ts': `import type { BClient } from '../../contracts/b.js';\nimport { Directory } from '../../platform/runtime.js';\nexport const b: BClient = { hello: () => String(new Directory()) };\n`,
  // Test support may also live next to the code it helps test, and use src/testing/.
  'src/services/b/testing.ts': `import { tool } from '../../testing/tool.js';\nexport const helper = tool + 1;\n`,
  'src/services/b/index.test.ts': `import { helper } from './testing.js';\nimport { b } from './index.js';\nvoid helper; void b;\n`,
  'src/services/registry.ts': `import { a } from './a/index.js';\nimport { b } from './b/index.js';\nexport const all = [a, b];\n`,
  'src/testing/fixture.ts': `import { all } from '../services/registry.js';\nexport const fixture = all.length;\n`,
  'src/testing/tool.ts': `export const tool = 1;\n`,
  'src/gateway/proxy.ts': `import { B } from '../contracts/b.js';\nimport { Directory } from '../platform/runtime.js';\nexport const upstream = [B, Directory];\n`,
  'src/loadgen/run.ts': `import { Directory } from '../platform/runtime.js';\nexport const run = () => new Directory();\n`,
  'src/cli/main.ts': `import { all } from '../services/registry.js';\nimport { run } from '../loadgen/run.js';\nconsole.log(all.length, run());\n`,
};

/** Each broken rule as one added file, and the violation it must produce. */
const violations: { title: string; rule: string; from: string; to: string; text: string }[] = [
  {
    title: 'a service importing another service',
    rule: 'no-cross-service-imports',
    from: 'src/services/a/calls-b.ts',
    to: 'src/services/b/index.ts',
    text: `import { b } from '../b/index.js';\nexport const callB = () => b.hello();\n`,
  },
  {
    title: "a service importing only another service's types",
    rule: 'no-cross-service-imports',
    from: 'src/services/b/types-leak.ts',
    to: 'src/services/a/helper.ts',
    text: `import type { shout } from '../a/helper.js';\nexport type Shout = typeof shout;\n`,
  },
  {
    title: 'platform importing a service',
    rule: 'no-platform-to-app-code',
    from: 'src/platform/leak.ts',
    to: 'src/services/b/index.ts',
    text: `import { b } from '../services/b/index.js';\nexport const leak = b;\n`,
  },
  {
    title: 'platform importing a contract',
    rule: 'no-platform-to-app-code',
    from: 'src/platform/knows-b.ts',
    to: 'src/contracts/b.ts',
    text: `import { B } from '../contracts/b.js';\nexport const name = B;\n`,
  },
  {
    title: 'a contract importing platform',
    rule: 'no-contracts-to-implementation',
    from: 'src/contracts/c.ts',
    to: 'src/platform/runtime.ts',
    text: `import type { Directory } from '../platform/runtime.js';\nexport interface CClient { dir(): Directory }\n`,
  },
  {
    title: 'production code importing src/testing',
    rule: 'no-testing-in-production',
    from: 'src/services/b/debug.ts',
    to: 'src/testing/tool.ts',
    text: `import { tool } from '../../testing/tool.js';\nexport const debug = tool;\n`,
  },
  {
    title: 'production code importing a testing.ts helper beside it',
    rule: 'no-testing-in-production',
    from: 'src/services/b/prod.ts',
    to: 'src/services/b/testing.ts',
    text: `import { helper } from './testing.js';\nexport const prod = helper;\n`,
  },
  {
    title: 'the gateway importing a service',
    rule: 'no-gateway-to-services',
    from: 'src/gateway/shortcut.ts',
    to: 'src/services/a/index.ts',
    text: `import { a } from '../services/a/index.js';\nexport const shortcut = a;\n`,
  },
  {
    title: 'the load generator importing a service',
    rule: 'no-loadgen-to-services',
    from: 'src/loadgen/peek.ts',
    to: 'src/services/b/index.ts',
    text: `import { b } from '../services/b/index.js';\nexport const peek = () => b;\n`,
  },
  {
    title: 'a service importing the composition root',
    rule: 'no-service-imports-composition-root',
    from: 'src/services/b/all.ts',
    to: 'src/services/registry.ts',
    text: `import { all } from '../registry.js';\nexport const count = all.length;\n`,
  },
  {
    title: 'a circular import',
    rule: 'no-circular',
    from: 'src/services/a/ping.ts',
    to: 'src/services/a/pong.ts',
    text: `import { pong } from './pong.js';\nexport const ping = (): string => typeof pong;\n`,
  },
  {
    title: 'an import that does not resolve',
    rule: 'not-to-unresolvable',
    from: 'src/services/a/typo.ts',
    to: './helpr.js',
    text: `import { shout } from './helpr.js';\nexport const typo = shout;\n`,
  },
];

/** The other half of the cycle; it breaks nothing by itself. */
const pong = `import { ping } from './ping.js';\nexport const pong = (): string => typeof ping;\n`;

interface Run {
  code: number;
  output: string;
}

function writeTree(dir: string, tree: Tree): void {
  for (const [path, text] of Object.entries(tree)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

function cruise(dir: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [depcruise, 'src', '--config', config],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        // Cycles are printed over several lines; compare with whitespace collapsed.
        resolve({ code, output: `${stdout}${stderr}`.replace(/\s+/g, ' ') });
      },
    );
  });
}

describe('boundary check (dependency-cruiser with .dependency-cruiser.cjs)', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'scalestack-boundaries-'));
  let cleanRun: Promise<Run>;
  let brokenRun: Promise<Run>;

  before(() => {
    writeTree(join(workDir, 'clean'), clean);
    const broken: Tree = { ...clean, 'src/services/a/pong.ts': pong };
    for (const v of violations) broken[v.from] = v.text;
    writeTree(join(workDir, 'broken'), broken);
    // Both trees are cruised at once; the tests below only await the results.
    cleanRun = cruise(join(workDir, 'clean'));
    brokenRun = cruise(join(workDir, 'broken'));
  });

  after(async () => {
    await Promise.allSettled([cleanRun, brokenRun]);
    rmSync(workDir, { recursive: true, force: true });
  });

  it('passes a tree that follows the rules (composition root importing every service included)', async () => {
    const run = await cleanRun;
    assert.equal(run.code, 0, `expected exit 0, got ${run.code}: ${run.output}`);
    assert.match(run.output, /no dependency violations found/);
  });

  it('fails the broken tree with a non-zero exit and one violation per broken rule, nothing more', async () => {
    const run = await brokenRun;
    assert.notEqual(run.code, 0, `expected a non-zero exit: ${run.output}`);
    const count = /x (\d+) dependency violations \((\d+) errors/.exec(run.output);
    assert.ok(count, `no violation summary in: ${run.output}`);
    assert.equal(Number(count[2]), violations.length, run.output);
  });

  for (const v of violations) {
    it(`names ${v.rule} for ${v.title}`, async () => {
      const run = await brokenRun;
      const line = `error ${v.rule}: ${v.from} → ${v.to}`;
      assert.ok(run.output.includes(line), `expected "${line}" in: ${run.output}`);
    });
  }
});
