import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { REPO_ROOT, scriptArgs } from '../src/testing/cli-process.js';
import { dbTargets } from '../src/testing/db-targets.js';
import { nginxVersion } from './lib/nginx.js';

const postgres = (await dbTargets()).find((t) => t.name === 'postgres')!;

/** `npm run bench -- catalog` in its quick mode, smaller still: the bench must keep running end to end. */
describe('npm run bench -- catalog (BENCH_CATALOG_QUICK=1)', postgres.options, () => {
  it('measures every row (by id cache on/off and sharded, each kind of search on one database and on 3 shards, the image) with no error and nothing unfinished', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, BENCH_CATALOG_QUICK: '1', BENCH_CATALOG_PRODUCTS: '600', BENCH_CATALOG_IDS: '100', BENCH_DURATION: '1', BENCH_CONNECTIONS: '2' };
    delete env['NODE_TEST_CONTEXT'];
    const child = spawn(process.execPath, [...scriptArgs('bench/main.ts'), 'catalog'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, `exit ${code}\n${stdout.slice(-3000)}\n${stderr.slice(-2000)}`);
    const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
    const header = cells(stdout.split('\n').find((line) => line.startsWith('| part')) ?? '');
    const table = stdout.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| part'));
    const expected = [
      ['product by id', 'one database, cache on'],
      ['product by id', 'one database, cache off'],
      ['product by id', '3 shards, cache off'],
      ...['words', 'prefixes', 'typos', 'filters'].flatMap((kind) => [['search', 'one database, cache off', kind], ['search', '3 shards, cache off', kind]]),
      ['image', 'scalestack', '→ 200'],
      ['image', 'scalestack', '→ 304'],
      ...(nginxVersion() ? [['image', 'nginx', '→ 200'], ['image', 'nginx', '→ 304']] : []),
    ];
    for (const words of expected) {
      const line = table.find((l) => words.every((w) => l.includes(w)));
      assert.ok(line, `a row with ${words.join(' / ')} in:\n${table.join('\n')}`);
      // requests, ok, errors, late, unfinished: something answered, no error, nothing left pending.
      const row = cells(line);
      const [requests, ok, errors, unfinished] = ['requests', 'ok', 'errors', 'unfinished'].map((name) => Number(row[header.indexOf(name)]));
      assert.ok(ok! > 0 && requests! >= ok!, line);
      assert.equal(errors, 0, line);
      assert.equal(unfinished, 0, line);
    }
    assert.equal(table.length, expected.length, table.join('\n'));
  });
});
