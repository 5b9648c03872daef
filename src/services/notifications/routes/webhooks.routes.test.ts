import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { registerAdmin } from '../../../testing/catalog-fixtures.js';
import { assertError, registerUser, type TestUser } from '../../../testing/fixtures.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  secret?: string;
}

const URL_OK = 'https://hooks.example.com/conduit';

for (const target of await dbTargets()) {
  describe(`webhooks API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const create = async (user: TestUser, webhook: Record<string, unknown> = { url: URL_OK, events: ['follow', 'comment'] }) =>
      sys.api.post<{ webhook: Webhook }>('/api/webhooks', { webhook }, { token: user.token });
    const created = async (user: TestUser) => {
      const res = await create(user);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.webhook;
    };

    it('POST /api/webhooks answers 201 with the endpoint and its secret; the secret is never shown again', async () => {
      const u = await registerUser(sys.api);
      const res = await create(u, { url: URL_OK, events: ['follow', 'follow', 'favorite'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const hook = res.body.webhook;
      assert.match(hook.id, /^[0-9a-f-]{36}$/);
      assert.equal(hook.url, URL_OK);
      assert.deepEqual(hook.events, ['follow', 'favorite']);
      assert.equal(hook.enabled, true);
      assert.match(hook.secret ?? '', /^whsec_[A-Za-z0-9+/]+=*$/);
      const got = await sys.api.get<{ webhook: Webhook }>(`/api/webhooks/${hook.id}`, { token: u.token });
      assert.equal(got.status, 200);
      assert.equal(got.body.webhook.secret, undefined);
      const listed = await sys.api.get<{ webhooks: Webhook[] }>('/api/webhooks', { token: u.token });
      assert.deepEqual(listed.body.webhooks.map((w) => w.id), [hook.id]);
      assert.ok(listed.body.webhooks.every((w) => w.secret === undefined));
    });

    it('PUT changes the URL and events and disables or re-enables; rotate-secret shows a new secret once; DELETE removes it', async () => {
      const u = await registerUser(sys.api);
      const hook = await created(u);
      const put = await sys.api.put<{ webhook: Webhook }>(`/api/webhooks/${hook.id}`, { webhook: { url: 'https://other.example.com/h', events: ['comment'], enabled: false } }, { token: u.token });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.deepEqual([put.body.webhook.url, put.body.webhook.events, put.body.webhook.enabled], ['https://other.example.com/h', ['comment'], false]);
      const on = await sys.api.put<{ webhook: Webhook }>(`/api/webhooks/${hook.id}`, { webhook: { enabled: true } }, { token: u.token });
      assert.equal(on.body.webhook.enabled, true);
      const rotated = await sys.api.post<{ webhook: Webhook }>(`/api/webhooks/${hook.id}/rotate-secret`, undefined, { token: u.token });
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      assert.match(rotated.body.webhook.secret ?? '', /^whsec_/);
      assert.notEqual(rotated.body.webhook.secret, hook.secret);
      assert.equal((await sys.api.delete(`/api/webhooks/${hook.id}`, { token: u.token })).status, 204);
      assertError(await sys.api.get(`/api/webhooks/${hook.id}`, { token: u.token }), 404, 'webhook', 'not found');
      assertError(await sys.api.delete(`/api/webhooks/${hook.id}`, { token: u.token }), 404, 'webhook', 'not found');
    });

    it("a deleted account's endpoints (URLs, secrets) and their deliveries are removed", async () => {
      const u = await registerUser(sys.api);
      const hook = await created(u);
      assert.equal((await sys.api.delete('/api/user', { token: u.token })).status, 204);
      const admin = await registerAdmin(sys.api, sys.db);
      await waitFor('endpoint removed', async () => (await sys.api.get(`/api/webhooks/${hook.id}`, { token: admin.token })).status === 404);
    });

    describe("authorization: another user's webhook", () => {
      it('every endpoint answers 404 (as for an unknown id) and changes nothing; the list shows only your own', async () => {
        const alice = await registerUser(sys.api);
        const mallory = await registerUser(sys.api);
        const hook = await created(alice);
        const base = `/api/webhooks/${hook.id}`;
        assertError(await sys.api.get(base, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.put(base, { webhook: { url: 'https://evil.example.com/' } }, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.put(base, { webhook: { enabled: false } }, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.post(`${base}/rotate-secret`, undefined, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.get(`${base}/deliveries`, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.post(`${base}/deliveries/00000000-0000-4000-8000-000000000000/replay`, undefined, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.post(`${base}/deliveries/replay`, undefined, { token: mallory.token }), 404, 'webhook', 'not found');
        assertError(await sys.api.delete(base, { token: mallory.token }), 404, 'webhook', 'not found');
        assert.deepEqual((await sys.api.get<{ webhooks: Webhook[] }>('/api/webhooks', { token: mallory.token })).body.webhooks, []);
        // Alice's endpoint is as it was.
        const still = await sys.api.get<{ webhook: Webhook }>(base, { token: alice.token });
        assert.deepEqual([still.body.webhook.url, still.body.webhook.enabled], [URL_OK, true]);
      });

      it('?all=true is for admins (403 otherwise); an admin reads, lists and manages anyone\'s endpoint', async () => {
        const alice = await registerUser(sys.api);
        const hook = await created(alice);
        const refused = await sys.api.get('/api/webhooks?all=true', { token: alice.token });
        assert.deepEqual([refused.status, refused.headers.get('x-error-code'), refused.body], [403, 'SS_ROLE_REQUIRED', { errors: { role: ['admin required'] } }]);
        const admin = await registerAdmin(sys.api, sys.db);
        const all = await sys.api.get<{ webhooks: Webhook[] }>('/api/webhooks?all=true', { token: admin.token });
        assert.equal(all.status, 200, JSON.stringify(all.body));
        assert.ok(all.body.webhooks.some((w) => w.id === hook.id));
        assert.ok(all.body.webhooks.every((w) => w.secret === undefined));
        assert.deepEqual((await sys.api.get<{ webhooks: Webhook[] }>('/api/webhooks', { token: admin.token })).body.webhooks, [], 'without all=true, only their own');
        assert.equal((await sys.api.get(`/api/webhooks/${hook.id}`, { token: admin.token })).status, 200);
        assert.equal((await sys.api.get(`/api/webhooks/${hook.id}/deliveries`, { token: admin.token })).status, 200);
        assert.equal((await sys.api.put(`/api/webhooks/${hook.id}`, { webhook: { enabled: false } }, { token: admin.token })).status, 200);
        assert.equal((await sys.api.delete(`/api/webhooks/${hook.id}`, { token: admin.token })).status, 204);
      });

      it('every endpoint refuses anonymous and forged tokens with 401', async () => {
        const id = '00000000-0000-4000-8000-000000000000';
        for (const [method, path] of [
          ['POST', '/api/webhooks'], ['GET', '/api/webhooks'], ['GET', `/api/webhooks/${id}`], ['PUT', `/api/webhooks/${id}`], ['DELETE', `/api/webhooks/${id}`],
          ['POST', `/api/webhooks/${id}/rotate-secret`], ['GET', `/api/webhooks/${id}/deliveries`], ['POST', `/api/webhooks/${id}/deliveries/replay`],
          ['POST', `/api/webhooks/${id}/deliveries/${id}/replay`],
        ] as const) {
          const body = method === 'POST' || method === 'PUT' ? { webhook: { url: URL_OK, events: ['follow'] } } : undefined;
          assertError(await sys.api.request(method, path, body), 401, 'token', 'is missing');
          assertError(await sys.api.request(method, path, body, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged' }), 401, 'token', 'is invalid');
        }
      });
    });

    describe('bad input', () => {
      it('a URL that is not http(s), carries credentials or is a private address is 422 on create and update', async () => {
        const u = await registerUser(sys.api);
        for (const url of ['ftp://hooks.example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'http://user:pw@hooks.example.com/', 'http://10.0.0.1/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://127.0.0.1:8080/']) {
          assertError(await create(u, { url, events: ['follow'] }), 422, 'url');
        }
        const hook = await created(u);
        assertError(await sys.api.put(`/api/webhooks/${hook.id}`, { webhook: { url: 'gopher://x.example/' } }, { token: u.token }), 422, 'url');
        assert.equal((await sys.api.get<{ webhooks: Webhook[] }>('/api/webhooks', { token: u.token })).body.webhooks.length, 1);
      });

      it('unknown event types, wrong types, missing or unknown fields are 422', async () => {
        const u = await registerUser(sys.api);
        for (const webhook of [
          { url: URL_OK, events: ['follow', 'order.shipped'] }, { url: URL_OK, events: [] }, { url: URL_OK, events: 'follow' }, { url: URL_OK },
          { events: ['follow'] }, { url: 42, events: ['follow'] }, { url: URL_OK, events: [1] }, { url: URL_OK, events: ['follow'], secret: 'whsec_mine' },
          { url: `https://hooks.example.com/${'a'.repeat(2100)}`, events: ['follow'] },
        ]) {
          const res = await create(u, webhook);
          assert.equal(res.status, 422, `${JSON.stringify(webhook).slice(0, 80)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
        assert.equal((await sys.api.post('/api/webhooks', [URL_OK], { token: u.token })).status, 422);
        const hook = await created(u);
        for (const webhook of [{}, { enabled: 'yes' }, { events: ['nope'] }]) {
          assert.equal((await sys.api.put(`/api/webhooks/${hook.id}`, { webhook }, { token: u.token })).status, 422, JSON.stringify(webhook));
        }
      });

      it('malformed JSON is 400 and a huge body 413', async () => {
        const u = await registerUser(sys.api);
        assertError(await sys.api.post('/api/webhooks', undefined, { token: u.token, rawBody: '{"webhook":{"url":' }), 400, 'body');
        const huge = JSON.stringify({ webhook: { url: URL_OK, events: ['follow'], pad: 'x'.repeat(2 * 1024 * 1024) } });
        assertError(await sys.api.post('/api/webhooks', undefined, { token: u.token, rawBody: huge }), 413, 'body');
      });

      it('unknown or malformed ids are 404; bad cursors 4xx', async () => {
        const u = await registerUser(sys.api);
        for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '1', "1' or '1'='1"]) {
          assertError(await sys.api.get(`/api/webhooks/${encodeURIComponent(id)}`, { token: u.token }), 404, 'webhook', 'not found');
          assertError(await sys.api.get(`/api/webhooks/${encodeURIComponent(id)}/deliveries`, { token: u.token }), 404, 'webhook', 'not found');
        }
        const hook = await created(u);
        for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
          assertError(await sys.api.post(`/api/webhooks/${hook.id}/deliveries/${id}/replay`, undefined, { token: u.token }), 404, 'delivery', 'not found');
        }
        for (const q of ['?before=abc', '?limit=0', '?limit=101', '?before=-1', '?status=lost']) {
          const res = await sys.api.get(`/api/webhooks/${hook.id}/deliveries${q}`, { token: u.token });
          assert.ok(res.status === 400 || res.status === 422, `${q} → ${res.status}`);
        }
      });
    });
  });
}
