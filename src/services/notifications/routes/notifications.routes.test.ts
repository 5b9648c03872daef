import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { addComment, assertError, createArticle, favorite, follow, registerUser, type TestUser } from '../../../testing/fixtures.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';

interface Page {
  notifications: { id: number; type: string; read: boolean; actor: { username: string } | null; article?: { slug: string }; comment?: { excerpt: string } }[];
  unreadCount: number;
  nextCursor: string | null;
}

for (const target of await dbTargets()) {
  describe(`notifications API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const list = (user: TestUser, query = '') => sys.api.get<Page>(`/api/notifications${query}`, { token: user.token });
    const until = async (user: TestUser, count: number) => {
      await waitFor(`${count} notifications for ${user.username}`, async () => (await list(user)).body.notifications.length >= count, 10_000);
      return (await list(user)).body;
    };

    it('a follow, a comment and a favorite each notify the author once, newest first, with who did it', async () => {
      const author = await registerUser(sys.api);
      const fan = await registerUser(sys.api);
      const article = await createArticle(sys.api, author.token);
      await follow(sys.api, fan.token, author.username);
      await follow(sys.api, fan.token, author.username); // already following: no second notification
      await addComment(sys.api, fan.token, article.slug, 'Great piece on dragons');
      await favorite(sys.api, fan.token, article.slug);
      const page = await until(author, 3);
      await new Promise((r) => setTimeout(r, 300));
      const again = (await list(author)).body;
      assert.equal(again.notifications.length, 3, JSON.stringify(again));
      assert.deepEqual(page.notifications.map((n) => n.type).sort(), ['comment', 'favorite', 'follow']);
      assert.ok(page.notifications.every((n) => n.actor?.username === fan.username && !n.read));
      const comment = page.notifications.find((n) => n.type === 'comment')!;
      assert.equal(comment.comment?.excerpt, 'Great piece on dragons');
      assert.equal(comment.article?.slug, article.slug);
      assert.equal(page.unreadCount, 3);
      const ids = page.notifications.map((n) => n.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    });

    it('commenting on or favoriting your own article notifies nobody', async () => {
      const author = await registerUser(sys.api);
      const article = await createArticle(sys.api, author.token);
      await addComment(sys.api, author.token, article.slug);
      await favorite(sys.api, author.token, article.slug);
      const other = await registerUser(sys.api);
      await follow(sys.api, other.token, author.username);
      const page = await until(author, 1);
      assert.deepEqual(page.notifications.map((n) => n.type), ['follow']);
    });

    it('the cursor pages through every notification exactly once', async () => {
      const author = await registerUser(sys.api);
      const fans = await Promise.all(Array.from({ length: 5 }, () => registerUser(sys.api)));
      for (const fan of fans) await follow(sys.api, fan.token, author.username);
      await until(author, 5);
      const seen: number[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const res = await list(author, `?limit=2${cursor ? `&before=${cursor}` : ''}`);
        assert.equal(res.status, 200);
        seen.push(...res.body.notifications.map((n) => n.id));
        cursor = res.body.nextCursor;
      }
      assert.equal(seen.length, 5);
      assert.equal(new Set(seen).size, 5);
    });

    it('POST /api/notifications/read marks the given ids, or all, and answers the unread count', async () => {
      const author = await registerUser(sys.api);
      for (let i = 0; i < 3; i++) await follow(sys.api, (await registerUser(sys.api)).token, author.username);
      const page = await until(author, 3);
      const one = await sys.api.post('/api/notifications/read', { ids: [page.notifications[0]!.id] }, { token: author.token });
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.deepEqual(one.body, { unreadCount: 2 });
      assert.equal((await list(author)).body.notifications.find((n) => n.id === page.notifications[0]!.id)?.read, true);
      const all = await sys.api.post('/api/notifications/read', { all: true }, { token: author.token });
      assert.deepEqual(all.body, { unreadCount: 0 });
    });

    describe('authorization: another user\'s notifications', () => {
      it('are never listed, and marking one read is 404 and marks nothing (not even the caller\'s own ids sent with it)', async () => {
        const alice = await registerUser(sys.api);
        const bob = await registerUser(sys.api);
        await follow(sys.api, bob.token, alice.username);
        await follow(sys.api, alice.token, bob.username);
        const alices = (await until(alice, 1)).notifications;
        const bobs = (await until(bob, 1)).notifications;
        assert.ok(!(await list(bob)).body.notifications.some((n) => alices.some((a) => a.id === n.id)));
        const res = await sys.api.post('/api/notifications/read', { ids: [bobs[0]!.id, alices[0]!.id] }, { token: bob.token });
        assertError(res, 404, 'notification', 'not found');
        assert.equal((await list(alice)).body.unreadCount, 1);
        assert.equal((await list(bob)).body.unreadCount, 1);
      });

      it('every endpoint refuses anonymous and forged tokens with 401', async () => {
        for (const [method, path] of [['GET', '/api/notifications'], ['POST', '/api/notifications/read'], ['GET', '/api/notifications/preferences'], ['PUT', '/api/notifications/preferences'], ['GET', '/api/notifications/stream']] as const) {
          assertError(await sys.api.request(method, path, method === 'GET' ? undefined : { all: true }), 401, 'token', 'is missing');
          assertError(await sys.api.request(method, path, method === 'GET' ? undefined : { all: true }, { token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged' }), 401, 'token', 'is invalid');
        }
        assertError(await sys.api.get('/api/notifications/stream?token=forged'), 401, 'token', 'is invalid');
      });
    });

    describe('bad input', () => {
      it('malformed JSON, wrong types, unknown fields and bad cursors are 4xx', async () => {
        const u = await registerUser(sys.api);
        assert.equal((await sys.api.post('/api/notifications/read', undefined, { token: u.token, rawBody: '{"ids":[1' })).status, 400);
        for (const body of [{ ids: 'x' }, { ids: [] }, { ids: [0] }, { all: false }, {}, { ids: [1], all: true }]) {
          const res = await sys.api.post('/api/notifications/read', body, { token: u.token });
          assert.ok(res.status === 400 || res.status === 422, `${JSON.stringify(body)} → ${res.status}`);
        }
        assertError(await sys.api.post('/api/notifications/read', { ids: [999_999_999] }, { token: u.token }), 404, 'notification', 'not found');
        for (const q of ['?before=abc', '?limit=0', '?limit=101', '?before=-1']) {
          const res = await list(u, q);
          assert.ok(res.status === 400 || res.status === 422, `${q} → ${res.status}`);
        }
        const prefs = await sys.api.put('/api/notifications/preferences', { preferences: { inApp: { follow: 'no' } } }, { token: u.token });
        assert.ok(prefs.status === 400 || prefs.status === 422, String(prefs.status));
        const unknown = await sys.api.put('/api/notifications/preferences', { preferences: { sms: { follow: false } } }, { token: u.token });
        assert.ok(unknown.status === 400 || unknown.status === 422, String(unknown.status));
      });
    });

    it('preferences: turning in-app follow notifications off stores none; comments still come', async () => {
      const author = await registerUser(sys.api);
      const res = await sys.api.put('/api/notifications/preferences', { preferences: { inApp: { follow: false } } }, { token: author.token });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.preferences.inApp.follow, false);
      assert.equal(res.body.preferences.inApp.comment, true);
      assert.equal(res.body.preferences.email.follow, true);
      const fan = await registerUser(sys.api);
      await follow(sys.api, fan.token, author.username);
      const article = await createArticle(sys.api, author.token);
      await addComment(sys.api, fan.token, article.slug);
      const page = await until(author, 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual((await list(author)).body.notifications.map((n) => n.type), ['comment'], JSON.stringify(page));
      // Another user's preferences are untouched.
      const other = await sys.api.get('/api/notifications/preferences', { token: fan.token });
      assert.equal(other.body.preferences.inApp.follow, true);
    });
  });
}
