import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Server, ServerResponse } from 'node:http';
import { AddressPolicy } from './address-policy.js';
import { safePost, type Resolver } from './safe-post.js';
import { newSecret, signedHeaders } from './signing.js';
import { verifyStandardWebhook } from './testing-verifier.js';
import { startReceiver } from '../testing/webhook-receiver.js';

/** A receiver on a loopback address: what it does per request is the test's. */
const receiver = (host: string, port: number, handle: (body: string, headers: Record<string, string | string[] | undefined>, res: ServerResponse) => void) =>
  startReceiver(host, port, (hook, res) => handle(hook.body, hook.headers, res));

const LIMITS = { timeoutMs: 2000, maxResponseBytes: 64 * 1024 };
const allowTest = new AddressPolicy('127.0.0.2/32');

describe('webhook delivery: SSRF defences (each case refused)', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('private address: 10.x, 169.254.169.254 (metadata), ::1, ::ffff:127.0.0.1, 0.0.0.0 are refused before any connection', async () => {
    const policy = new AddressPolicy(undefined);
    for (const url of ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://0.0.0.0/hook', 'http://127.0.0.1/hook', 'http://192.168.1.1/', 'http://[fe80::1]/']) {
      const out = await safePost(url, {}, '{}', { policy, ...LIMITS });
      assert.equal(out.ok, false, url);
      assert.match((out as { error: string }).error, /address refused/, url);
    }
    const viaDns = await safePost('http://internal.example/hook', {}, '{}', { policy, resolve: async () => [{ address: '10.1.2.3', family: 4 }], ...LIMITS });
    assert.match((viaDns as { error: string }).error, /address refused: 10\.1\.2\.3/);
  });

  it('a name resolving to a public and a private address is refused (every answer is checked)', async () => {
    const out = await safePost('http://mixed.example/hook', {}, '{}', { policy: new AddressPolicy(undefined), resolve: async () => [{ address: '192.0.2.1', family: 4 }, { address: '127.0.0.1', family: 4 }], ...LIMITS });
    assert.match((out as { error: string }).error, /address refused/);
  });

  it('schemes other than http(s), and credentials in the URL, are refused', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.2/', 'gopher://127.0.0.2/', 'http://user:pw@127.0.0.2/']) {
      const out = await safePost(url, {}, '{}', { policy: allowTest, ...LIMITS });
      assert.equal(out.ok, false, url);
    }
  });

  it('redirect: a 302 to an internal address is a failed delivery and the target is never contacted', async () => {
    const internal = await receiver('127.0.0.1', 0, (_b, _h, res) => res.end('secret'));
    const hook = await receiver('127.0.0.2', 0, (_b, _h, res) => res.writeHead(302, { location: `http://127.0.0.1:${internal.port}/` }).end());
    servers.push(internal.server, hook.server);
    const out = await safePost(`http://127.0.0.2:${hook.port}/hook`, {}, '{}', { policy: allowTest, ...LIMITS });
    assert.deepEqual(out, { ok: false, status: 302, error: 'redirect not followed' });
    assert.equal(internal.hits, 0);
  });

  it('DNS rebinding: the name is resolved once and the connection goes to the checked address, not to a second answer', async () => {
    let calls = 0;
    // First answer allowed (127.0.0.2), any later one internal (127.0.0.1): the rebinding attack.
    const rebinding: Resolver = async () => (calls++ === 0 ? [{ address: '127.0.0.2', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const hook = await receiver('127.0.0.2', 0, (_b, _h, res) => res.end('ok'));
    const internal = await receiver('127.0.0.1', hook.port, (_b, _h, res) => res.end('secret'));
    servers.push(internal.server, hook.server);
    const out = await safePost(`http://rebind.example:${hook.port}/hook`, {}, '{}', { policy: allowTest, resolve: rebinding, ...LIMITS });
    assert.deepEqual(out, { ok: true, status: 200 });
    assert.equal(calls, 1);
    assert.equal(hook.hits, 1);
    assert.equal(internal.hits, 0);
    // And when the first answer is already the internal one, it is refused.
    const direct = await safePost(`http://rebind.example:${hook.port}/hook`, {}, '{}', { policy: allowTest, resolve: rebinding, ...LIMITS });
    assert.match((direct as { error: string }).error, /address refused/);
  });

  it('oversized response: a receiver sending more than the limit is cut off and the delivery fails', async () => {
    const hook = await receiver('127.0.0.2', 0, (_b, _h, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 97);
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    servers.push(hook.server);
    const out = await safePost(`http://127.0.0.2:${hook.port}/hook`, {}, '{}', { policy: allowTest, ...LIMITS });
    assert.deepEqual(out, { ok: false, status: 200, error: `response larger than ${LIMITS.maxResponseBytes} bytes` });
  });

  it('time limit: a receiver that never answers fails the delivery after the timeout', async () => {
    const hook = await receiver('127.0.0.2', 0, () => {});
    servers.push(hook.server);
    const out = await safePost(`http://127.0.0.2:${hook.port}/hook`, {}, '{}', { policy: allowTest, timeoutMs: 300, maxResponseBytes: 1024 });
    assert.equal(out.ok, false);
    assert.match((out as { error: string }).error, /within 300 ms|timeout/i);
  });
});

describe('webhook signing (Standard Webhooks), checked by a verifier written from the spec', () => {
  let hook: Awaited<ReturnType<typeof receiver>>;
  const seen: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];
  before(async () => {
    hook = await receiver('127.0.0.2', 0, (body, headers, res) => {
      seen.push({ body, headers });
      res.end();
    });
  });
  after(() => hook.server.close());

  it('every delivery verifies with the secret; a tampered body, another secret or an old timestamp do not', async () => {
    const secret = newSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify({ type: 'follow', data: { i } });
      const ts = Math.floor(Date.now() / 1000);
      const out = await safePost(`http://127.0.0.2:${hook.port}/`, signedHeaders([secret], `msg_${i}`, ts, body), body, { policy: allowTest, ...LIMITS });
      assert.equal(out.ok, true);
    }
    assert.equal(seen.length, 5);
    for (const s of seen) {
      assert.ok(verifyStandardWebhook(secret, s.headers, s.body));
      assert.ok(!verifyStandardWebhook(secret, s.headers, s.body + ' '));
      assert.ok(!verifyStandardWebhook(newSecret(), s.headers, s.body));
      assert.ok(!verifyStandardWebhook(secret, s.headers, s.body, Date.now() + 10 * 60_000));
    }
  });

  it('rotation: signed with the new and the previous secret, a receiver holding either verifies', () => {
    const previous = newSecret();
    const next = newSecret();
    const headers = signedHeaders([next, previous], 'msg_rot', Math.floor(Date.now() / 1000), '{}');
    assert.equal(headers['webhook-signature']!.split(' ').length, 2);
    assert.ok(verifyStandardWebhook(next, headers, '{}'));
    assert.ok(verifyStandardWebhook(previous, headers, '{}'));
    assert.ok(!verifyStandardWebhook(newSecret(), headers, '{}'));
  });
});
