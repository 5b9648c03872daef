// @isolated: retries on a compressed schedule (tens of ms) and a restart of the whole system
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { follow, registerUser, type TestUser } from '../../../testing/fixtures.js';
import { registerAdmin } from '../../../testing/catalog-fixtures.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';
import type { Config } from '../../../platform/config/schema.js';
import { startReceiver, type Receiver, type ReceivedHook } from '../testing/webhook-receiver.js';
import { verifyStandardWebhook } from './testing-verifier.js';
import type { DeliveryJson } from '../domain/webhooks.js';

type Delivery = DeliveryJson;
/** A message as the in-process SMTP sink keeps it (GET /api/admin/mail). */
interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** A compressed schedule: 8 attempts about 60 ms apart; an endpoint failing for 2 s is disabled. */
const SETTINGS: Partial<Config> = {
  WEBHOOK_ALLOW_PRIVATE: '127.0.0.1/32',
  WEBHOOK_RETRY_SCHEDULE: '60ms,60ms,60ms,60ms,60ms,60ms,60ms',
  WEBHOOK_POLL_MS: 20,
  WEBHOOK_DISABLE_AFTER_MS: 2000,
  WEBHOOK_TIMEOUT_MS: 2000,
};

for (const target of await dbTargets()) {
  describe(`webhook delivery [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    let admin: TestUser;
    const receivers: Receiver[] = [];
    before(async () => {
      sys = await startTestSystem(target, SETTINGS);
      admin = await registerAdmin(sys.api, sys.db);
    });
    after(async () => {
      await sys?.close();
      await Promise.all(receivers.map((r) => r.close()));
    });

    const receiver = async (handle: (hook: ReceivedHook, res: ServerResponse) => void = (_h, res) => res.end()) => {
      const r = await startReceiver('127.0.0.1', 0, handle);
      receivers.push(r);
      return r;
    };
    const register = async (user: TestUser, url: string, events = ['follow', 'comment', 'favorite']) => {
      const res = await sys.api.post<{ webhook: { id: string; secret: string } }>('/api/webhooks', { webhook: { url, events } }, { token: user.token });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.webhook;
    };
    const log = async (user: TestUser, webhookId: string) => {
      const res = await sys.api.get<{ deliveries: Delivery[] }>(`/api/webhooks/${webhookId}/deliveries`, { token: user.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.deliveries;
    };
    /** Every email the in-process SMTP sink received (no SMTP_URL here), newest first. */
    const inbox = async (): Promise<Mail[]> => {
      const res = await sys.api.get<{ sink: boolean; messages: Mail[] }>('/api/admin/mail', { token: admin.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.sink, true);
      return res.body.messages;
    };
    const until = async (what: string, user: TestUser, webhookId: string, check: (deliveries: Delivery[]) => boolean, timeoutMs = 15_000) => {
      await waitFor(what, async () => check(await log(user, webhookId)), timeoutMs);
      return log(user, webhookId);
    };

    it('every delivery carries webhook-id, webhook-timestamp and webhook-signature that a verifier written from the spec accepts', async () => {
      const author = await registerUser(sys.api);
      const hook = await receiver();
      const webhook = await register(author, hook.url());
      const fans = await Promise.all([registerUser(sys.api), registerUser(sys.api), registerUser(sys.api)]);
      for (const fan of fans) await follow(sys.api, fan.token, author.username);
      const deliveries = await until('3 delivered', author, webhook.id, (d) => d.filter((x) => x.status === 'delivered').length === 3);
      assert.equal(hook.received.length, 3);
      for (const { body, headers } of hook.received) {
        assert.ok(verifyStandardWebhook(webhook.secret, headers, body), `signature of ${body}`);
        assert.ok(!verifyStandardWebhook(webhook.secret, headers, `${body} `), 'a changed body does not verify');
        const payload = JSON.parse(body) as { type: string; timestamp: string; data: { type: string; actor: { username: string } } };
        assert.equal(payload.type, 'follow');
        assert.ok(fans.some((f) => f.username === payload.data.actor.username));
      }
      assert.deepEqual(new Set(hook.received.map((r) => r.headers['webhook-id'])), new Set(deliveries.map((d) => d.id)));
      assert.ok(deliveries.every((d) => d.attempts === 1 && d.lastStatus === 200 && d.lastError === null));
    });

    it('a receiver that fails 5 times then recovers gets the delivery exactly once (same webhook-id and body each time)', async () => {
      const author = await registerUser(sys.api);
      const statuses: number[] = [];
      const hook = await receiver((_h, res) => {
        const status = statuses.length < 5 ? 500 : 200;
        statuses.push(status);
        res.writeHead(status).end();
      });
      const webhook = await register(author, hook.url());
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      const [delivery] = await until('delivered', author, webhook.id, (d) => d[0]?.status === 'delivered');
      // Long enough for several more polls and retries, had anything been left in the queue.
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(statuses, [500, 500, 500, 500, 500, 200]);
            assert.equal(new Set(hook.received.map((r) => r.headers['webhook-id'])).size, 1);
      assert.equal(new Set(hook.received.map((r) => r.body)).size, 1);
      assert.ok(hook.received.every((r) => verifyStandardWebhook(webhook.secret, r.headers, r.body)));
      assert.deepEqual([delivery!.attempts, delivery!.lastStatus, delivery!.lastError], [6, 200, null]);
    });

    it('after the last retry the delivery is dead-lettered; a replay delivers it once; a second replay is refused', async () => {
      const author = await registerUser(sys.api);
      let up = false;
      const hook = await receiver((_h, res) => res.writeHead(up ? 200 : 503).end());
      const webhook = await register(author, hook.url());
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      const [dead] = await until('dead', author, webhook.id, (d) => d[0]?.status === 'dead');
      assert.deepEqual([dead!.attempts, dead!.lastStatus, dead!.lastError], [8, 503, 'answered 503']);
      assert.equal(hook.hits, 8);
      up = true;
      const replay = await sys.api.post(`/api/webhooks/${webhook.id}/deliveries/${dead!.id}/replay`, undefined, { token: author.token });
      assert.equal(replay.status, 202, JSON.stringify(replay.body));
      const [delivered] = await until('delivered after replay', author, webhook.id, (d) => d[0]?.status === 'delivered');
      assert.equal(delivered!.attempts, 1);
      assert.equal(hook.hits, 9);
      const again = await sys.api.post(`/api/webhooks/${webhook.id}/deliveries/${dead!.id}/replay`, undefined, { token: author.token });
      assert.deepEqual([again.status, again.body], [422, { errors: { delivery: ['is not dead-lettered'] } }]);
    });

    it('an endpoint failing for longer than WEBHOOK_DISABLE_AFTER_MS is disabled with the reason in its log; re-enabled, it receives again', async () => {
      const author = await registerUser(sys.api);
      let up = false;
      const hook = await receiver((_h, res) => res.writeHead(up ? 200 : 500).end());
      const webhook = await register(author, hook.url());
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      await until('first dead', author, webhook.id, (d) => d[0]?.status === 'dead');
      await new Promise((r) => setTimeout(r, 2100));
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      const deliveries = await until('disabled', author, webhook.id, (d) => d.length === 2 && d[0]!.status === 'dead');
      assert.match(deliveries[0]!.lastError ?? '', /^endpoint disabled: every attempt failed for \d/);
      const state = await sys.api.get<{ webhook: { enabled: boolean; disabledReason: string } }>(`/api/webhooks/${webhook.id}`, { token: author.token });
      assert.equal(state.body.webhook.enabled, false);
      assert.match(state.body.webhook.disabledReason, /every attempt failed for .* \(last: answered 500\)/);
      // Disabled: a new notification is not delivered.
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await log(author, webhook.id)).length, 2);
      const hits = hook.hits;
      up = true;
      assert.equal((await sys.api.put(`/api/webhooks/${webhook.id}`, { webhook: { enabled: true } }, { token: author.token })).status, 200);
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      await until('delivered after re-enabling', author, webhook.id, (d) => d[0]?.status === 'delivered');
      assert.equal(hook.hits, hits + 1);
      // The two that died while it failed: replayed together.
      const replay = await sys.api.post(`/api/webhooks/${webhook.id}/deliveries/replay`, undefined, { token: author.token });
      assert.deepEqual([replay.status, replay.body], [202, { replayed: 2 }]);
      await until('all delivered', author, webhook.id, (d) => d.every((x) => x.status === 'delivered'));
      assert.equal(hook.hits, hits + 3);
    });

    it('the owner of an endpoint disabled after sustained failure gets one email naming its URL and the reason, and no one else; only the owner can re-enable it', async () => {
      const owner = await registerUser(sys.api);
      const bystander = await registerUser(sys.api);
      const failing = await receiver((_h, res) => res.writeHead(500).end());
      const webhook = await register(owner, failing.url());
      // Another user's endpoint, healthy, gets the same kind of traffic.
      const healthy = await receiver();
      const bystanderHook = await register(bystander, healthy.url());
      const fan = await registerUser(sys.api);
      await follow(sys.api, fan.token, owner.username);
      await follow(sys.api, fan.token, bystander.username);
      await until('first dead', owner, webhook.id, (d) => d[0]?.status === 'dead');
      await until('bystander delivered', bystander, bystanderHook.id, (d) => d[0]?.status === 'delivered');
      // Failing since the first attempt, past WEBHOOK_DISABLE_AFTER_MS (2 s): the next failure disables it.
      await new Promise((r) => setTimeout(r, 2100));
      await follow(sys.api, (await registerUser(sys.api)).token, owner.username);
      const deliveries = await until('disabled', owner, webhook.id, (d) => d.length === 2 && d[0]!.status === 'dead');
      assert.match(deliveries[0]!.lastError ?? '', /^endpoint disabled: every attempt failed for /);
      const state = await sys.api.get<{ webhook: { enabled: boolean; disabledReason: string | null } }>(`/api/webhooks/${webhook.id}`, { token: owner.token });
      assert.equal(state.body.webhook.enabled, false);
      const reason = state.body.webhook.disabledReason ?? '';
      assert.match(reason, /^every attempt failed for .* \(last: answered 500\)$/);

      const disabledMails = async () => (await inbox()).filter((m) => m.subject === 'Your webhook endpoint was disabled');
      await waitFor('the disabled-webhook email', async () => (await disabledMails()).some((m) => m.text.includes(failing.url())), 15_000);
      // Long enough for a second email to arrive, had the disabling been told twice.
      await new Promise((r) => setTimeout(r, 500));
      const about = (await disabledMails()).filter((m) => m.text.includes(failing.url()) || m.html.includes(failing.url()));
      assert.equal(about.length, 1, 'exactly one email about this endpoint');
      const [mail] = about as [Mail];
      assert.deepEqual(mail.to, [owner.email]);
      assert.match(mail.text, new RegExp(`^Hi ${owner.username},`));
      assert.ok(mail.text.includes(`Your webhook endpoint ${failing.url()} was disabled: ${reason}.`), mail.text);
      assert.ok(mail.html.includes(`<strong>${failing.url()}</strong>`), mail.html);
      assert.ok(mail.html.includes(`<strong>${reason}</strong>`), mail.html);
      // No one else was told: neither the user whose follow failed to arrive nor the one whose endpoint is healthy.
      for (const other of [bystander, fan]) {
        assert.deepEqual((await disabledMails()).filter((m) => m.to.includes(other.email)), [], `no disabled-webhook email to ${other.username}`);
      }

      // Another user cannot re-enable it: 404, as for an unknown id, and it stays disabled.
      const forged = await sys.api.put(`/api/webhooks/${webhook.id}`, { webhook: { enabled: true } }, { token: bystander.token });
      assert.deepEqual([forged.status, forged.body], [404, { errors: { webhook: ['not found'] } }]);
      const still = await sys.api.get<{ webhook: { enabled: boolean; disabledReason: string | null } }>(`/api/webhooks/${webhook.id}`, { token: owner.token });
      assert.deepEqual([still.body.webhook.enabled, still.body.webhook.disabledReason], [false, reason]);
      // Its owner can.
      const on = await sys.api.put<{ webhook: { enabled: boolean; disabledReason: string | null } }>(`/api/webhooks/${webhook.id}`, { webhook: { enabled: true } }, { token: owner.token });
      assert.equal(on.status, 200, JSON.stringify(on.body));
      assert.deepEqual([on.body.webhook.enabled, on.body.webhook.disabledReason], [true, null]);
    });

    it('a user who turned the webhook channel off for a type gets no delivery of it (the in-app notification is still stored)', async () => {
      const author = await registerUser(sys.api);
      const hook = await receiver();
      const webhook = await register(author, hook.url());
      const prefs = await sys.api.put('/api/notifications/preferences', { preferences: { webhook: { follow: false } } }, { token: author.token });
      assert.equal(prefs.status, 200, JSON.stringify(prefs.body));
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      await waitFor('notification stored', async () => (await sys.api.get<{ unreadCount: number }>('/api/notifications', { token: author.token })).body.unreadCount === 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await log(author, webhook.id), []);
      assert.equal(hook.hits, 0);
    });

    it('redirect: a 302 to an internal address is a failed attempt, logged, and the internal address is never contacted', async () => {
      const author = await registerUser(sys.api);
      const internal = await receiver((_h, res) => res.end('secret'));
      const hook = await receiver((_h, res) => res.writeHead(302, { location: internal.url('/admin') }).end());
      const webhook = await register(author, hook.url());
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      const [delivery] = await until('dead', author, webhook.id, (d) => d[0]?.status === 'dead');
      assert.deepEqual([delivery!.lastStatus, delivery!.lastError], [302, 'redirect not followed']);
      assert.equal(internal.hits, 0);
    });

    it('a rotated secret: the new and the previous secret both sign, so a receiver holding either verifies', async () => {
      const author = await registerUser(sys.api);
      const hook = await receiver();
      const webhook = await register(author, hook.url());
      const rotated = await sys.api.post<{ webhook: { secret: string } }>(`/api/webhooks/${webhook.id}/rotate-secret`, undefined, { token: author.token });
      await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      await until('delivered', author, webhook.id, (d) => d[0]?.status === 'delivered');
      const [{ body, headers }] = hook.received as [ReceivedHook];
      assert.equal(String(headers['webhook-signature']).split(' ').length, 2);
      assert.ok(verifyStandardWebhook(rotated.body.webhook.secret, headers, body));
      assert.ok(verifyStandardWebhook(webhook.secret, headers, body));
    });

    it('restart: a delivery still being retried when the system stops is delivered after it starts again, once; a delivered one is not sent again', async () => {
      // A system of its own, with waits long enough (1.2 s at least) to stop it between two attempts, and
      // its data on disk, so that PGlite's database (and the JWT secret) are found again after the restart.
      const settings = { ...SETTINGS, WEBHOOK_RETRY_SCHEDULE: '1500ms,1500ms,1500ms', DATA_DIR: mkdtempSync(join(tmpdir(), 'hooks-restart-')) };
      let first: TestSystem | undefined = await startTestSystem(target, settings);
      let second: TestSystem | undefined;
      try {
        const api = first.api;
        const author = await registerUser(api);
        let up = true;
        const answered: { id: string; status: number }[] = [];
        const hook = await receiver((h, res) => {
          answered.push({ id: String(h.headers['webhook-id']), status: up ? 200 : 500 });
          res.writeHead(up ? 200 : 500).end();
        });
        const created = await api.post<{ webhook: { id: string } }>('/api/webhooks', { webhook: { url: hook.url(), events: ['follow'] } }, { token: author.token });
        const logOf = async (system: TestSystem) => (await system.api.get<{ deliveries: Delivery[] }>(`/api/webhooks/${created.body.webhook.id}/deliveries`, { token: author.token })).body.deliveries;
        await follow(api, (await registerUser(api)).token, author.username);
        await waitFor('first delivered', async () => (await logOf(first!))[0]?.status === 'delivered');
        up = false;
        await follow(api, (await registerUser(api)).token, author.username);
        await waitFor('second failed once', async () => ((await logOf(first!))[0]?.lastStatus ?? 0) === 500);
        await first.stop();
        const atStop = hook.received.length;
        up = true;
        // The same database (and, on PGlite, the same data directory) in a new system.
        second = await startTestSystem({ ...target, create: async () => first!.databaseUrl }, settings);
        first = undefined;
        await waitFor('second delivered after restart', async () => (await logOf(second!)).every((d) => d.status === 'delivered'));
        await new Promise((r) => setTimeout(r, 300));
        const deliveries = await logOf(second);
        assert.equal(deliveries.length, 2);
        assert.deepEqual(answered.filter((a) => a.id === deliveries[1]!.id).map((a) => a.status), [200], 'the first delivery was sent once');
        // The second: failed attempt(s) before the stop (one, unless stopping took longer than a wait), then one after the restart.
        const retried = answered.filter((a) => a.id === deliveries[0]!.id).map((a) => a.status);
        assert.deepEqual(retried, [...retried.slice(0, -1).map(() => 500), 200]);
        assert.ok(retried.length >= 2);
        assert.equal(deliveries[0]!.attempts, retried.length);
        assert.equal(hook.received.length, atStop + 1, 'after the restart: that one request only');
      } finally {
        await (second ?? first)?.close();
        rmSync(settings.DATA_DIR, { recursive: true, force: true });
      }
    });
  });
}
