// @isolated: asserts functional time bounds (start within 15 s, exit within 10 s) that a busy neighbour would break.
/**
 * The acceptance of the embedded shape, on the real CLI: on a fresh data
 * directory with no server running, `scalestack start` is ready within 15 s
 * and serves an empty system; what was written survives a restart, tokens
 * included (the JWT secret is kept in DATA_DIR).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SOURCE_CLI_ENTRY, rawRequest, spawnScript, type NodeProcess } from '../../testing/cli-process.js';

const READY_WITHIN_MS = 15_000;

/** Preloaded into the process: at exit, writes the CommonJS modules it loaded (imported from ESM too) to LOADED_MODULES_FILE. */
const RECORD_LOADED_MODULES = `data:text/javascript,${encodeURIComponent(`
  import { createRequire } from 'node:module';
  import { writeFileSync } from 'node:fs';
  const cache = createRequire('/').cache;
  process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, JSON.stringify(Object.keys(cache))));
`)}`;

describe('embedded start (no DATABASE_URL, fresh DATA_DIR)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  });

  async function start(dataDir: string, extra: { nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<{ proc: NodeProcess; readyMs: number }> {
    // No DATABASE_URL and no JWT_SECRET: spawnScript strips every setting inherited from this shell.
    // From the source through tsx, as `npx scalestack start` runs (the other suites run the compiled CLI;
    // built-start.processes.test.ts has its embedded start).
    const proc = await spawnScript(SOURCE_CLI_ENTRY, ['start'], { ...(extra.nodeArgs ? { nodeArgs: extra.nodeArgs } : {}), env: { DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extra.env } });
    cleanups.push(() => proc.stop('SIGKILL'));
    // Wait past the bound, so a slow start fails with its actual time rather than a time-out.
    const readyMs = await proc.waitReady('/readyz', READY_WITHIN_MS * 6);
    return { proc, readyMs };
  }

  async function stop(proc: NodeProcess): Promise<void> {
    const exit = await proc.stop('SIGTERM', 15_000);
    assert.equal(exit.killed, false, `did not exit on SIGTERM:\n${proc.output()}`);
    assert.equal(exit.code, 0, `exit code after SIGTERM:\n${proc.output()}`);
  }

  it('is ready within 15 s, starts empty, and keeps data, passwords and tokens across a restart', async (t) => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'scalestack-embedded-')), 'data');
    cleanups.push(() => rm(join(dataDir, '..'), { recursive: true, force: true }));
    assert.equal(existsSync(dataDir), false, 'the data directory does not exist before start');

    const loadedFile = join(dataDir, '..', 'loaded-modules.json');
    const first = await start(dataDir, { nodeArgs: ['--import', RECORD_LOADED_MODULES], env: { LOADED_MODULES_FILE: loadedFile } });
    t.diagnostic(`first start: /readyz 200 after ${Math.round(first.readyMs)} ms (bound ${READY_WITHIN_MS} ms)`);
    assert.ok(first.readyMs < READY_WITHIN_MS, `ready after ${Math.round(first.readyMs)} ms`);

    // DuckDB (click analytics) and libvips (image uploads) load on first use: ~80 MB a fresh start does not pay.
    if (process.platform === 'linux') {
      const mapped = readFileSync(`/proc/${first.proc.child.pid}/maps`, 'utf8');
      for (const library of ['libduckdb', 'libvips']) assert.equal(mapped.includes(library), false, `${library} is loaded at start`);
    }

    const tags = await rawRequest(first.proc.url, 'GET', '/api/tags');
    assert.equal(tags.status, 200);
    assert.deepEqual(tags.body, { tags: [] });

    const credentials = { username: 'keeper', email: 'keeper@example.com', password: 'correct horse battery' };
    const registered = await rawRequest(first.proc.url, 'POST', '/api/users', { user: credentials });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const oldToken = (registered.body as { user: { token: string } }).user.token;
    const created = await rawRequest(
      first.proc.url,
      'POST',
      '/api/articles',
      { article: { title: 'Written before the restart', description: 'kept', body: 'on disk', tagList: ['durable'] } },
      { authorization: `Token ${oldToken}` },
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const slug = (created.body as { article: { slug: string } }).article.slug;
    await stop(first.proc);
    assert.ok(existsSync(join(dataDir, 'jwt-secret')), 'the JWT secret is kept in DATA_DIR');
    // Clients of servers the embedded shape does not have load with their first use: undici (remote service
    // clients, webhooks, the console's load runs) and ioredis (every REDIS_URL client), ~7 MB of heap.
    const loaded = (JSON.parse(readFileSync(loadedFile, 'utf8')) as string[]).filter((path) => path.includes('node_modules'));
    assert.ok(loaded.length > 0, 'the recorder saw the packages this process loaded');
    for (const pkg of ['undici', 'ioredis']) {
      assert.deepEqual(loaded.filter((path) => path.includes(`/node_modules/${pkg}/`)), [], `${pkg} is loaded by an embedded process`);
    }

    const second = await start(dataDir);
    t.diagnostic(`restart on the same DATA_DIR: /readyz 200 after ${Math.round(second.readyMs)} ms`);
    const url = second.proc.url;

    const login = await rawRequest(url, 'POST', '/api/users/login', {
      user: { email: credentials.email, password: credentials.password },
    });
    assert.equal(login.status, 200, `login after restart: ${JSON.stringify(login.body)}`);
    const wrong = await rawRequest(url, 'POST', '/api/users/login', { user: { email: credentials.email, password: 'wrong password' } });
    assert.equal(wrong.status, 401, 'a wrong password is still refused');

    const me = await rawRequest(url, 'GET', '/api/user', undefined, { authorization: `Token ${oldToken}` });
    assert.equal(me.status, 200, `a token issued before the restart still works: ${JSON.stringify(me.body)}`);
    assert.equal((me.body as { user: { username: string } }).user.username, credentials.username);

    const article = await rawRequest(url, 'GET', `/api/articles/${encodeURIComponent(slug)}`);
    assert.equal(article.status, 200, JSON.stringify(article.body));
    const kept = (article.body as { article: { title: string; body: string; tagList: string[]; author: { username: string } } }).article;
    assert.equal(kept.title, 'Written before the restart');
    assert.equal(kept.body, 'on disk');
    assert.deepEqual(kept.tagList, ['durable']);
    assert.equal(kept.author.username, credentials.username);
    const tagsAfter = await rawRequest(url, 'GET', '/api/tags');
    assert.deepEqual(tagsAfter.body, { tags: ['durable'] });

    await stop(second.proc);
  });
});
