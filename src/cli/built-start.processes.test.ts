/**
 * `npm start` runs the compiled server (tools/build-server.mjs: src/ → build/), not the
 * TypeScript through tsx: the build must serve what the sources serve, web client included.
 * Its supervisor starting replicas from the build (and the catalog's .proto copied beside the
 * code) is start-topology-services.processes.test.ts, which runs the build.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI_ENTRY, spawnScript } from '../testing/cli-process.js';
import { buildServer, dynamicallyImportedCommonJs } from '../../tools/build-server.mjs';
import { buildWeb } from '../../tools/build-web.mjs';

async function withDataDir(fn: (dir: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'scalestack-built-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the compiled server (npm start)', () => {
  before(async () => {
    // What `npm start`'s prestart does: both builds, each a no-op when it is up to date.
    await buildWeb({ quiet: true });
    await buildServer({ quiet: true });
  });

  it('starts without tsx, serves the API and the web client, and stops cleanly on SIGTERM', { timeout: 180_000 }, () =>
    withDataDir(async (dir) => {
      const system = await spawnScript(BUILT_CLI_ENTRY, ['start'], { env: { DATA_DIR: dir, LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' } });
      try {
        await system.waitReady('/readyz', 120_000);
        assert.ok(!system.child.spawnargs.includes('tsx'), `spawned ${system.child.spawnargs.join(' ')}`);
        const created = await fetch(`${system.url}/api/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: { username: 'built1', email: 'built1@example.com', password: 'password-123' } }),
        });
        assert.equal(created.status, 201, await created.clone().text());
        const page = await fetch(`${system.url}/`);
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      } finally {
        const exit = await system.stop('SIGTERM', 30_000);
        assert.equal(exit.killed, false, system.output());
        assert.equal(exit.code, 0, system.output());
      }
    }),
  );

  it('a first start on a machine makes the embedded base in a child process that exits, serves from it, and `migrate --embedded-base` then finds it', { timeout: 180_000 }, () =>
    withDataDir(async (dir) => {
      // An empty PGLITE_BASE_DIR: this machine has never started an embedded database.
      const baseDir = join(dir, 'base');
      const env = { DATA_DIR: join(dir, 'data'), PGLITE_BASE_DIR: baseDir, LOG_LEVEL: 'info', LOG_PRETTY: 'false', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };
      const system = await spawnScript(BUILT_CLI_ENTRY, ['start'], { env });
      try {
        await system.waitReady('/readyz', 120_000);
        const made = system.output().split('\n').find((line) => line.includes('embedded database base made in a child process'));
        assert.ok(made, `no child made the base:\n${system.output().slice(-3000)}`);
        const childPid = (JSON.parse(made) as { pid: number }).pid;
        assert.notEqual(childPid, system.child.pid);
        assert.throws(() => process.kill(childPid, 0), { code: 'ESRCH' }, 'the child has exited');
        assert.ok((await readdir(baseDir)).some((f) => /-schema-[0-9a-f]+\.tar$/.test(f)), `kept: ${(await readdir(baseDir)).join(', ')}`);
        const created = await fetch(`${system.url}/api/users`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ user: { username: 'based1', email: 'based1@example.com', password: 'password-123' } }),
        });
        assert.equal(created.status, 201, await created.clone().text());
      } finally {
        const exit = await system.stop('SIGTERM', 30_000);
        assert.equal(exit.code, 0, system.output());
      }
      const again = await spawnScript(BUILT_CLI_ENTRY, ['migrate', '--embedded-base'], { env });
      const exit = await again.exited;
      assert.equal(exit.code, 0, again.output());
      assert.match(again.output(), /is kept in .*nothing to make/);
    }),
  );

  it('`migrate --embedded-base` that cannot keep the base exits 1 and says where, so `start` does not count on it', { timeout: 180_000 }, () =>
    withDataDir(async (dir) => {
      // Under a file: no directory can be made there, even by root.
      await writeFile(join(dir, 'file'), '');
      const baseDir = join(dir, 'file', 'base');
      const run = await spawnScript(BUILT_CLI_ENTRY, ['migrate', '--embedded-base'], { env: { DATA_DIR: join(dir, 'data'), PGLITE_BASE_DIR: baseDir } });
      const exit = await run.exited;
      assert.equal(exit.code, 1, run.output());
      assert.ok(run.output().includes(`could not be kept in ${baseDir}`), run.output());
      assert.doesNotMatch(run.output(), /base made for/);
    }),
  );
});

describe('the build refuses what would break only in the bundle', () => {
  it('an import() of a CommonJS package it bundles is named (a split chunk would export only `default`); external, static or ESM targets are not', () => {
    const importer = (imports: Array<{ path: string; kind: string; external?: boolean; original?: string }>) => ({ format: 'esm' as const, imports });
    const metafile = {
      inputs: {
        'src/tracing.ts': importer([
          { path: 'node_modules/cjs-pkg/index.js', kind: 'dynamic-import', original: 'cjs-pkg' },
          { path: 'node_modules/esm-pkg/index.js', kind: 'dynamic-import', original: 'esm-pkg' },
          { path: 'left-to-node', kind: 'dynamic-import', external: true, original: 'left-to-node' },
          { path: 'node_modules/cjs-static/index.js', kind: 'import-statement', original: 'cjs-static' },
        ]),
        // Never run (the OpenTelemetry host detector), in any copy under node_modules.
        'node_modules/a/node_modules/@opentelemetry/resources/build/src/detectors/platform/node/machine-id/getMachineId.js': {
          format: 'cjs' as const,
          imports: [{ path: 'node_modules/cjs-pkg/index.js', kind: 'dynamic-import' }],
        },
        'node_modules/cjs-pkg/index.js': { format: 'cjs' as const, imports: [] },
        'node_modules/esm-pkg/index.js': { format: 'esm' as const, imports: [] },
        'node_modules/cjs-static/index.js': { format: 'cjs' as const, imports: [] },
      },
    };
    assert.deepEqual(dynamicallyImportedCommonJs(metafile), ['src/tracing.ts -> cjs-pkg']);
  });
});
