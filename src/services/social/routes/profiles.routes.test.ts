import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { assertError, assertProfile, follow, registerUser, unique, type ProfileJson } from '../../../testing/fixtures.js';

for (const target of await dbTargets()) {
  describe(`profiles API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const getProfile = (username: string, token?: string) =>
      sys.api.get<{ profile: ProfileJson }>(`/api/profiles/${encodeURIComponent(username)}`, { token });
    const followReq = (username: string, token?: string) =>
      sys.api.post<{ profile: ProfileJson }>(`/api/profiles/${encodeURIComponent(username)}/follow`, undefined, { token });
    const unfollowReq = (username: string, token?: string) =>
      sys.api.delete<{ profile: ProfileJson }>(`/api/profiles/${encodeURIComponent(username)}/follow`, { token });

    describe('GET /api/profiles/:username', () => {
      it('anonymous: 200 with following false and null bio/image', async () => {
        const u = await registerUser(sys.api);
        const res = await getProfile(u.username);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(Object.keys(res.body), ['profile']);
        assertProfile(res.body.profile, { username: u.username, bio: null, image: null, following: false });
      });

      it('shows bio and image once set', async () => {
        const u = await registerUser(sys.api);
        await sys.api.put('/api/user', { user: { bio: 'hello', image: 'https://example.com/i.png' } }, { token: u.token });
        const res = await getProfile(u.username);
        assertProfile(res.body.profile, { bio: 'hello', image: 'https://example.com/i.png' });
      });

      it('authenticated: following reflects the viewer', async () => {
        const viewer = await registerUser(sys.api);
        const other = await registerUser(sys.api);
        const star = await registerUser(sys.api);
        await follow(sys.api, viewer.token, star.username);
        assertProfile((await getProfile(star.username, viewer.token)).body.profile, { username: star.username, following: true });
        assertProfile((await getProfile(star.username, other.token)).body.profile, { following: false });
        assertProfile((await getProfile(star.username)).body.profile, { following: false });
        assertProfile((await getProfile(viewer.username, viewer.token)).body.profile, { following: false });
        // Following is one way.
        assertProfile((await getProfile(viewer.username, star.token)).body.profile, { following: false });
      });

      it('a registered username with unusual characters is reachable (or refused at registration)', async () => {
        const s = unique('');
        for (const username of [`with space ${s}`, `ünïcødé${s}`, `a.b-c_d${s}`, `slash/${s}`, `q?x=${s}`, `hash#${s}`, `pct%20${s}`]) {
          const res = await sys.api.post('/api/users', { user: { username, email: `${unique('e')}@example.com`, password: 'password123' } });
          if (res.status === 422) {
            assertError(res, 422, 'username');
            continue;
          }
          assert.equal(res.status, 201, `${username}: ${JSON.stringify(res.body)}`);
          const got = await getProfile(res.body.user.username);
          assert.equal(got.status, 200, `GET profile of ${JSON.stringify(username)}: ${got.status} ${JSON.stringify(got.body)}`);
          assert.equal(got.body.profile.username, res.body.user.username);
        }
      });

      it('404 "profile: not found" for an unknown username (anon and authed)', async () => {
        const viewer = await registerUser(sys.api);
        assertError(await getProfile(unique('nobody')), 404, 'profile', 'not found');
        assertError(await getProfile(unique('nobody'), viewer.token), 404, 'profile', 'not found');
      });

      it('401 "token: is invalid" with a malformed token (auth is optional, but a bad token is refused)', async () => {
        const u = await registerUser(sys.api);
        assertError(await getProfile(u.username, 'garbage.token.here'), 401, 'token', 'is invalid');
      });
    });

    describe('POST /api/profiles/:username/follow', () => {
      it('200 with following true; GET agrees', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        const res = await followReq(b.username, a.token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assertProfile(res.body.profile, { username: b.username, bio: null, image: null, following: true });
        assert.equal((await getProfile(b.username, a.token)).body.profile.following, true);
      });

      it('is idempotent', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        await follow(sys.api, a.token, b.username);
        const again = await followReq(b.username, a.token);
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.profile.following, true);
        // One unfollow undoes it: the second follow did not create a second row.
        const un = await unfollowReq(b.username, a.token);
        assert.equal(un.body.profile.following, false);
        assert.equal((await getProfile(b.username, a.token)).body.profile.following, false);
      });

      it('concurrent follows of the same user all answer 200 and leave one follow', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        const results = await Promise.all(Array.from({ length: 6 }, () => followReq(b.username, a.token)));
        for (const r of results) {
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.body.profile.following, true);
        }
        await unfollowReq(b.username, a.token);
        assert.equal((await getProfile(b.username, a.token)).body.profile.following, false);
      });

      it('a follow survives the followed user renaming themselves', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        await follow(sys.api, a.token, b.username);
        const username = unique('renamed');
        assert.equal((await sys.api.put('/api/user', { user: { username } }, { token: b.token })).status, 200);
        assertProfile((await getProfile(username, a.token)).body.profile, { username, following: true });
      });

      it('401 "token: is missing" without a token', async () => {
        const b = await registerUser(sys.api);
        assertError(await followReq(b.username), 401, 'token', 'is missing');
      });

      it('404 "profile: not found" for an unknown username', async () => {
        const a = await registerUser(sys.api);
        assertError(await followReq(unique('nobody'), a.token), 404, 'profile', 'not found');
      });

      it('422 keyed "profile" when following yourself', async () => {
        const a = await registerUser(sys.api);
        assertError(await followReq(a.username, a.token), 422, 'profile');
        assert.equal((await getProfile(a.username, a.token)).body.profile.following, false);
      });
    });

    describe('DELETE /api/profiles/:username/follow', () => {
      it('200 with following false; GET agrees', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        await follow(sys.api, a.token, b.username);
        const res = await unfollowReq(b.username, a.token);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assertProfile(res.body.profile, { username: b.username, following: false });
        assert.equal((await getProfile(b.username, a.token)).body.profile.following, false);
      });

      it('is idempotent (unfollowing someone not followed is 200)', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        const first = await unfollowReq(b.username, a.token);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assert.equal(first.body.profile.following, false);
        await follow(sys.api, a.token, b.username);
        await unfollowReq(b.username, a.token);
        const again = await unfollowReq(b.username, a.token);
        assert.equal(again.status, 200);
        assert.equal(again.body.profile.following, false);
      });

      it('only removes the caller\'s follow', async () => {
        const a = await registerUser(sys.api);
        const c = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        await follow(sys.api, a.token, b.username);
        await follow(sys.api, c.token, b.username);
        await unfollowReq(b.username, a.token);
        assert.equal((await getProfile(b.username, c.token)).body.profile.following, true);
      });

      it('401 "token: is missing" without a token', async () => {
        const b = await registerUser(sys.api);
        assertError(await unfollowReq(b.username), 401, 'token', 'is missing');
      });

      it('404 "profile: not found" for an unknown username', async () => {
        const a = await registerUser(sys.api);
        assertError(await unfollowReq(unique('nobody'), a.token), 404, 'profile', 'not found');
      });
    });
  });
}
