/**
 * The compiled mirror the suites run from (tools/test-mirror.mjs), built for a small package in the temp
 * directory: its modules run on plain node, every path worked out from a module's location still finds the
 * same files, and a failure points at the TypeScript line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MIRRORS_DIR, buildTestMirror as build, isMirrored, mirrorForThisRun, mirroredPath as mirrorOf } from './test-mirror.mjs';

const files: Record<string, string> = {
  'package.json': '{ "type": "module" }\n',
  'docs/note.md': 'the docs\n',
  // TypeScript-only syntax throughout: type imports, annotations, a parameter property.
  'src/greeter.ts': [
    "import type { Greeting } from './types.js';",
    "import { readFileSync } from 'node:fs';",
    'export class Greeter {',
    '  constructor(private readonly name: string) {}',
    "  greet(): Greeting { return { text: `hello ${this.name}`, data: readFileSync(new URL('./data.txt', import.meta.url), 'utf8').trim() }; }",
    '}',
    '',
  ].join('\n'),
  'src/types.ts': 'export interface Greeting { text: string; data: string }\n',
  'src/data.txt': 'beside the source\n',
  'src/settings.json': '{ "from": "json" }\n',
  'src/main.ts': [
    "import { Greeter } from './greeter.js';",
    "import { readFileSync } from 'node:fs';",
    "import { helper } from '../tools/helper.mjs';",
    // Import attributes must survive the compile: Node refuses a JSON import without one.
    "import settings from './settings.json' with { type: 'json' };",
    "const g: Greeter = new Greeter('mirror');",
    "const docs = readFileSync(new URL('../docs/note.md', import.meta.url), 'utf8').trim();",
    'console.log(JSON.stringify({ ...g.greet(), docs, json: settings.from, helper: helper(), url: import.meta.url }));',
    '',
  ].join('\n'),
  'src/fails.ts': ['const n: number = 1;', '', '', "throw new Error(`failed at line four, n=${n}`);", ''].join('\n'),
  'tools/helper.mjs': 'export const helper = () => import.meta.url;\n',
  'tools/script.mts': 'export const x: number = 1;\n',
};

describe('the compiled test mirror (tools/test-mirror.mjs)', () => {
  let root: string;
  let mirror: string;
  let compiled = 0;
  before(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'test-mirror-')));
    mirror = join(root, '.test-js');
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    mkdirSync(join(root, '.git'));
    // What an earlier build left: a module since deleted must not be found in the new mirror.
    mkdirSync(join(mirror, 'src'), { recursive: true });
    writeFileSync(join(mirror, 'src', 'deleted.js'), 'export {};\n');
    compiled = await build(root, mirror);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('compiles every .ts and .mts module, and keeps nothing of the previous build', () => {
    assert.equal(compiled, 5);
    assert.ok(existsSync(join(mirror, 'tools', 'script.mjs')));
    assert.equal(existsSync(join(mirror, 'src', 'deleted.js')), false);
  });

  it('a compiled module runs on plain node, no tsx, and finds the files beside it, the docs and a tools module', () => {
    const out = JSON.parse(execFileSync(process.execPath, [join(mirror, 'src', 'main.js')], { cwd: root, encoding: 'utf8' })) as Record<string, string>;
    assert.equal(out['text'], 'hello mirror');
    assert.equal(out['data'], 'beside the source');
    assert.equal(out['docs'], 'the docs');
    assert.equal(out['json'], 'json');
    // A symlinked module runs from its real path, as Node resolves it.
    assert.equal(out['helper'], `file://${join(root, 'tools', 'helper.mjs')}`);
    assert.equal(out['url'], `file://${join(mirror, 'src', 'main.js')}`);
  });

  it('copies each source beside its module and every data file, links the JavaScript modules and every top-level entry but .git', () => {
    assert.ok(lstatSync(join(mirror, 'src', 'greeter.ts')).isFile());
    assert.equal(readFileSync(join(mirror, 'src', 'greeter.ts'), 'utf8'), files['src/greeter.ts']);
    // A real file: some tools (kubectl kustomize) do not follow a symlinked one.
    assert.ok(lstatSync(join(mirror, 'src', 'data.txt')).isFile());
    assert.ok(lstatSync(join(mirror, 'tools', 'helper.mjs')).isSymbolicLink());
    assert.ok(lstatSync(join(mirror, 'package.json')).isSymbolicLink());
    assert.ok(lstatSync(join(mirror, 'docs')).isSymbolicLink());
    assert.equal(existsSync(join(mirror, '.git')), false);
  });

  it('with --enable-source-maps a failure names the TypeScript file and line', () => {
    const run = spawnSync(process.execPath, ['--enable-source-maps', join(mirror, 'src', 'fails.js')], { cwd: root, encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /failed at line four, n=1/);
    assert.match(run.stderr, /src\/fails\.ts:4\b/, run.stderr);
  });

  it("maps a suite file under src/, bench/ or tools/ to its module in the mirror, anything else to none", () => {
    assert.equal(mirrorOf(join(root, 'src', 'a', 'x.test.ts'), root, mirror), join(mirror, 'src', 'a', 'x.test.js'));
    assert.equal(mirrorOf(join(root, 'tools', 'y.mts'), root, mirror), join(mirror, 'tools', 'y.mjs'));
    assert.equal(mirrorOf(join(root, 'docs', 'z.test.ts'), root, mirror), null);
    assert.equal(mirrorOf(join(tmpdir(), 'elsewhere.test.ts'), root, mirror), null);
    assert.equal(mirrorOf(join(root, 'tools', 'run.mjs'), root, mirror), null);
    assert.equal(isMirrored(join(root, 'src', 'a.d.ts'), root), false);
  });
});

describe("each run's own mirror folder", () => {
  it('is .test-js/run-<pid>; the folders of runs no longer running are removed, those of live ones kept', (t) => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const folder = (pid: number) => join(MIRRORS_DIR, `run-${pid}`);
    mkdirSync(folder(dead), { recursive: true });
    // A live process's folder (this one's stands for a run beside it), and a stray entry that names no run.
    const live = !existsSync(folder(process.pid));
    mkdirSync(folder(process.pid), { recursive: true });
    mkdirSync(join(MIRRORS_DIR, 'not-a-run'), { recursive: true });
    t.after(() => live && rmSync(folder(process.pid), { recursive: true, force: true }));
    assert.equal(mirrorForThisRun(), folder(process.pid));
    assert.equal(existsSync(folder(dead)), false, 'a dead run');
    assert.equal(existsSync(join(MIRRORS_DIR, 'not-a-run')), false);
    assert.ok(existsSync(folder(process.pid)), 'a live run');
  });
});
