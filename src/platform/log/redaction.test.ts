/**
 * Secrets never reach the log: passwords, tokens, the Authorization header,
 * cookies and gateway signatures stay out of every line, through the whole
 * identity flow and careless log calls, while each request still leaves
 * exactly one structured `request` line with its request, trace and span ids.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { loadConfig } from '../config/load-config.js';
import { startSystem, type System } from '../runtime/system.js';
import { createLogger } from './logger.js';
import { initTracing } from '../tracing/tracing.js';
import { allServices } from '../../testing/all-services.js';
import { createApiClient, type ApiClient } from '../../testing/api-client.js';

interface Line {
  msg?: string;
  level: number;
  reqId?: string;
  route?: string;
  method?: string;
  url?: string;
  status?: number;
  [key: string]: unknown;
}

describe('log redaction', () => {
  const raw: string[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      raw.push(...parts.filter((p) => p.length > 0));
      callback();
    },
  });

  let system: System;
  let api: ApiClient;
  const password = 'Sup3r-Secret-Passw0rd!';
  const newPassword = 'An0ther-Secret-Passw0rd?';
  const wrongPassword = 'Wr0ng-Guess-Passw0rd#';
  const secrets: string[] = [password, newPassword, wrongPassword];
  /** Every request made, in order, with the route and status its log line must carry. */
  const expected: Array<{ method: string; route: string; status: number; reqId: string }> = [];

  async function call(method: string, path: string, route: string, body?: unknown, token?: string) {
    const res = await api.request(method, path, body, { token });
    expected.push({ method, route, status: res.status, reqId: res.headers.get('x-request-id') ?? '(none)' });
    return res;
  }

  before(async () => {
    // Tracing on (no exporter): request lines carry the trace and span ids.
    await initTracing();
    const logger = createLogger({ level: 'info', destination });
    const config = loadConfig(
      {},
      { PORT: 0, HOST: '127.0.0.1', DATA_DIR: 'memory://', LOG_LEVEL: 'info', ARGON2_MEMORY_KIB: 1024, ARGON2_TIME_COST: 1 },
    );
    system = await startSystem({ config, services: allServices, logger });
    api = createApiClient(system.url);

    const user = { username: 'redacted', email: 'redacted@example.com', password };
    const registered = await call('POST', '/api/users', '/api/users', { user });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    secrets.push(registered.body.user.token);

    const login = await call('POST', '/api/users/login', '/api/users/login', { user: { email: user.email, password } });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const token: string = login.body.user.token;
    secrets.push(token);

    const refused = await call('POST', '/api/users/login', '/api/users/login', { user: { email: user.email, password: wrongPassword } });
    assert.equal(refused.status, 401);

    const me = await call('GET', '/api/user', '/api/user', undefined, token);
    assert.equal(me.status, 200, JSON.stringify(me.body));

    const updated = await call('PUT', '/api/user', '/api/user', { user: { password: newPassword } }, token);
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    if (typeof updated.body.user?.token === 'string') secrets.push(updated.body.user.token);

    const relogin = await call('POST', '/api/users/login', '/api/users/login', { user: { email: user.email, password: newPassword } });
    assert.equal(relogin.status, 200, 'the new password works');
    secrets.push(relogin.body.user.token);

    // A forged token is refused; it must not be logged either.
    const forged = `${token.slice(0, -4)}AAAA`;
    secrets.push(forged);
    const rejected = await call('GET', '/api/user', '/api/user', undefined, forged);
    assert.equal(rejected.status, 401);

    // Credentials in other headers: a session cookie, and a forged gateway signature.
    const cookie = 'session=C00kie-Secret-Value';
    secrets.push('C00kie-Secret-Value');
    const withCookie = await api.request('GET', '/api/user', undefined, { token, headers: { cookie } });
    expected.push({ method: 'GET', route: '/api/user', status: withCookie.status, reqId: withCookie.headers.get('x-request-id') ?? '(none)' });
    const sig = 'f0rged-Signature-Value';
    secrets.push(sig);
    const signed = await api.request('GET', '/api/user', undefined, { headers: { 'x-user-id': '1', 'x-user-sig': sig } });
    assert.equal(signed.status, 401);
    expected.push({ method: 'GET', route: '/api/user', status: signed.status, reqId: signed.headers.get('x-request-id') ?? '(none)' });

    // Anything a developer might log by mistake, in the shapes it usually has.
    logger.info({ password, token, user: { password, token }, body: { user: { password } } }, 'careless: credentials');
    logger.info({ req: { headers: { authorization: `Token ${token}`, cookie } } }, 'careless: request');
    logger.info({ headers: { authorization: `Bearer ${token}`, 'set-cookie': cookie } }, 'careless: headers');
    logger.info({ upstream: { headers: { authorization: `Token ${token}`, cookie } } }, 'careless: nested headers');

    await system.close();
    logger.flush();
  });

  after(async () => {
    await system?.close().catch(() => {});
  });

  it('redacts what a careless log call passes, leaving the rest of the line', () => {
    const careless = raw.map((l) => JSON.parse(l) as Line).filter((l) => String(l.msg).startsWith('careless'));
    assert.equal(careless.length, 4);
    assert.ok(careless.every((l) => JSON.stringify(l).includes('[redacted]')), JSON.stringify(careless));
  });

  it('writes JSON lines only', () => {
    assert.ok(raw.length > 0, 'the logger wrote something');
    for (const line of raw) assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
  });

  it('never logs a password, a token or an Authorization header', () => {
    for (const line of raw) {
      for (const secret of secrets) {
        assert.ok(!line.includes(secret), `a secret (${secret.slice(0, 6)}…) leaked into: ${line}`);
      }
      assert.doesNotMatch(line, /(Token|Bearer) eyJ/, `an Authorization value leaked into: ${line}`);
      // Token fragments too: no JWT-looking string at all.
      assert.doesNotMatch(line, /eyJ[\w-]{10,}\.[\w-]{10,}/, `a JWT leaked into: ${line}`);
    }
  });

  it('writes one `request` line per request, with the route template and status', () => {
    const lines = raw.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request');
    assert.equal(lines.length, expected.length, `request lines:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    for (const want of expected) {
      const matching = lines.filter((l) => l.reqId === want.reqId);
      assert.equal(matching.length, 1, `one request line for ${want.method} ${want.route} (x-request-id ${want.reqId})`);
      const line = matching[0]!;
      assert.equal(line.method, want.method, JSON.stringify(line));
      assert.equal(line.route, want.route, JSON.stringify(line));
      assert.equal(line.status, want.status, JSON.stringify(line));
      assert.equal(typeof line.reqId, 'string', 'carries the request id');
      assert.equal(typeof line['durationMs'], 'number');
      assert.match(String(line['traceId']), /^[0-9a-f]{32}$/, `carries the trace id: ${JSON.stringify(line)}`);
      assert.match(String(line['spanId']), /^[0-9a-f]{16}$/, 'and the span id');
      if (want.status < 400 && want.route === '/api/user') assert.equal(typeof line['userId'], 'number', 'an authenticated request names its user');
    }
    assert.equal(new Set(lines.map((l) => l['traceId'])).size, lines.length, 'each request is its own trace');
    assert.equal(new Set(lines.map((l) => l.reqId)).size, lines.length, 'request ids are unique');
  });
});
