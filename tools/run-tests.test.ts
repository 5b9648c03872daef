/**
 * The suite runner (tools/run-tests.mjs) on fixture files in the temp directory: what CI's verdict rests on.
 * Each file runs in its own process, so the runner itself must turn a crash, a bad exit, a hang or a skip
 * into a failed run, and must run the longest files first.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, SOURCE_CLI_ENTRY, scriptArgs } from '../src/testing/cli-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const runner = join(root, 'tools', 'run-tests.mjs');

interface Run {
  code: number | null;
  out: string;
}

/** Runs the runner on `files` (in `dir`) from the project root, as `npm test` does. */
function runTests(files: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [runner, ...files],
      // A CLI entry given: the runner skips its build of the server, which these files do not start.
      { cwd: root, env: { ...process.env, SCALESTACK_CLI_ENTRY: 'build/cli/main.js', CI: '', REQUIRE_SERVICES: '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr }),
    );
  });
}

const fixtures: Record<string, string> = {
  'passes.test.ts': `import { test } from 'node:test';\ntest('passes', () => {});\n`,
  'fails.test.ts': `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\ntest('one and two', () => assert.equal(1, 2));\n`,
  'crashes.test.ts': `throw new Error('broken at load');\n`,
  'exits.test.ts': `import { test } from 'node:test';\ntest('leaves early', () => { setTimeout(() => process.exit(3), 5); });\n`,
  'skips.test.ts': `import { test } from 'node:test';\ntest('needs a server', { skip: 'no server here' }, () => {});\n`,
  // Outside src/, bench/ and tools/: no compiled counterpart, so it runs through tsx and is told so.
  'mode.test.ts': `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nconst t: string = 'typed';\ntest('through tsx', () => { assert.equal(process.env.SCALESTACK_TEST_MODE, 'source'); assert.ok(import.meta.url.endsWith('/mode.test.ts'), import.meta.url); });\n`,
  'hangs.test.ts': `import { test } from 'node:test';\ntest('never ends', () => new Promise(() => setInterval(() => {}, 1000)));\n`,
  // One at a time (the isolated phase), so the order they start in is the order they append in.
  'writes-a.test.ts': `// @isolated\nimport { test } from 'node:test';\nimport { appendFileSync } from 'node:fs';\ntest('a', () => appendFileSync(process.env.ORDER_LOG!, 'a'));\n`,
  'writes-b.test.ts': `// @isolated\nimport { test } from 'node:test';\nimport { appendFileSync } from 'node:fs';\ntest('b', () => appendFileSync(process.env.ORDER_LOG!, 'b'));\n`,
  'writes-c.test.ts': `// @isolated\nimport { test } from 'node:test';\nimport { appendFileSync } from 'node:fs';\ntest('c', () => appendFileSync(process.env.ORDER_LOG!, 'c'));\n`,
};

describe('the suite runner', () => {
  let dir: string;
  const at = (name: string) => join(dir, name);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-tests-'));
    for (const [name, text] of Object.entries(fixtures)) writeFileSync(at(name), text);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a run whose files all pass, and sums their tests', async () => {
    const { code, out } = await runTests([at('passes.test.ts'), at('writes-a.test.ts')], { ORDER_LOG: at('order-pass.log') });
    assert.equal(code, 0, out);
    assert.match(out, /tests: 2 passed, 0 failed, 0 skipped/);
  });

  it('fails the run on a failed test, naming it with its error', async () => {
    const { code, out } = await runTests([at('passes.test.ts'), at('fails.test.ts')]);
    assert.equal(code, 1, out);
    assert.match(out, /failed:\n {2}- one and two\n/);
    assert.match(out, /tests: 1 passed, 1 failed/);
  });

  it('fails the run on a file that throws before any test, with its error', async () => {
    const { code, out } = await runTests([at('crashes.test.ts')]);
    assert.equal(code, 1, out);
    assert.match(out, /crashes\.test\.ts\n\s+exited with code 1 and no failed test[\s\S]*Error: broken at load/);
  });

  it('fails the run on a file that exits non-zero with no failed test', async () => {
    const { code, out } = await runTests([at('exits.test.ts')]);
    assert.equal(code, 1, out);
    assert.match(out, /exits\.test\.ts\n\s+exited with code 3/);
  });

  it("kills a file past its time limit and fails the run", async () => {
    const { code, out } = await runTests([at('hangs.test.ts')], { TEST_FILE_LIMIT_S: '2' });
    assert.equal(code, 1, out);
    assert.match(out, /hangs\.test\.ts\n\s+killed after 2 s/);
  });

  it('lists a skipped test with its reason, and fails the run on it only under CI', async () => {
    const local = await runTests([at('skips.test.ts')]);
    assert.equal(local.code, 0, local.out);
    assert.match(local.out, /skipped:\n {2}- needs a server: no server here/);
    const ci = await runTests([at('skips.test.ts')], { CI: 'true' });
    assert.equal(ci.code, 1, ci.out);
  });

  it('starts the files its durations list as slowest first, and a file it does not list before them', async () => {
    const durations = at('durations.json');
    writeFileSync(durations, JSON.stringify({ [at('writes-a.test.ts')]: 1, [at('writes-b.test.ts')]: 50 }));
    const log = at('order.log');
    const { code, out } = await runTests([at('writes-a.test.ts'), at('writes-b.test.ts'), at('writes-c.test.ts')], { ORDER_LOG: log, TEST_DURATIONS_FILE: durations });
    assert.equal(code, 0, out);
    assert.equal(readFileSync(log, 'utf8'), 'cba');
  });

  it('records the times of the files it ran when asked to', async () => {
    const durations = at('recorded.json');
    writeFileSync(durations, JSON.stringify({ [at('writes-a.test.ts')]: 99, [join(dir, 'gone.test.ts')]: 5 }));
    const { code, out } = await runTests([at('writes-a.test.ts'), at('passes.test.ts')], { ORDER_LOG: at('order-record.log'), TEST_DURATIONS_FILE: durations, RECORD_TEST_DURATIONS: '1' });
    assert.equal(code, 0, out);
    const recorded = JSON.parse(readFileSync(durations, 'utf8')) as Record<string, number>;
    assert.deepEqual(Object.keys(recorded).sort(), [at('passes.test.ts'), at('writes-a.test.ts')].sort(), 'the files run, and no file that no longer exists');
    assert.ok(recorded[at('writes-a.test.ts')]! < 99, `a's time replaced: ${recorded[at('writes-a.test.ts')]}`);
  });

  it('runs a file outside src/, bench/ and tools/ from its source through tsx, and tells it so', async () => {
    const { code, out } = await runTests([at('mode.test.ts')]);
    assert.equal(code, 0, out);
    assert.match(out, /tests: 1 passed, 0 failed, 0 skipped/);
  });
});

// Registered only under the runner (it sets SCALESTACK_TEST_MODE): run directly, this file cannot know.
if (process.env.SCALESTACK_TEST_MODE) {
  describe('how the runner started this suite', () => {
    it("compiled, from the run's mirror in .test-js/ (through tsx only with TEST_FROM_SOURCE=1)", () => {
      const fromSource = process.env.TEST_FROM_SOURCE === '1';
      assert.equal(process.env.SCALESTACK_TEST_MODE, fromSource ? 'source' : 'compiled');
      assert.match(import.meta.url, fromSource ? /\/tools\/run-tests\.test\.ts$/ : /\/\.test-js\/run-\d+\/tools\/run-tests\.test\.js$/);
    });

    it("so are the helper scripts the suites start; the CLI's source entry still goes through tsx, as npx scalestack runs it", () => {
      const fromSource = process.env.TEST_FROM_SOURCE === '1';
      const helper = 'src/loadgen/testing/hello-server.ts';
      assert.deepEqual(scriptArgs(helper), fromSource ? ['--import', 'tsx', helper] : ['--enable-source-maps', 'src/loadgen/testing/hello-server.js']);
      assert.deepEqual(scriptArgs(SOURCE_CLI_ENTRY), ['--import', 'tsx', SOURCE_CLI_ENTRY]);
      assert.deepEqual(scriptArgs(join(REPO_ROOT, SOURCE_CLI_ENTRY)), ['--import', 'tsx', join(REPO_ROOT, SOURCE_CLI_ENTRY)]);
    });
  });
}
