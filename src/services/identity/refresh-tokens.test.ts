/**
 * Refresh tokens (docs/patterns/refresh-tokens.md): opaque, stored hashed, single use and rotated, revoked by
 * family on reuse (RFC 9700 §4.14), on logout and on a password change; on both database targets.
 */
import { describe, it, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { assertError, assertErrorShape, registerUser, type TestUser, type UserJson } from '../../testing/fixtures.js';
import { eventually } from '../../testing/order-fixtures.js';
import type { ApiResponse } from '../../testing/api-client.js';

type Any = Record<string, never>;
type UserAnswer = ApiResponse<{ user: UserJson }>;

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const INVALID = 'SS_REFRESH_TOKEN_INVALID';

function assertRefreshRefused(res: ApiResponse): void {
  assertError(res, 401, 'refreshToken', 'is invalid');
  assert.equal(res.headers.get('x-error-code'), INVALID);
}

function refreshTokenOf(res: UserAnswer): string {
  const token = res.body.user.refreshToken;
  assert.equal(typeof token, 'string', `a refresh token in ${JSON.stringify(res.body)}`);
  assert.match(token!, /^[A-Za-z0-9_-]{43}$/, '256 bits, base64url');
  return token!;
}

for (const target of await dbTargets()) {
  describe(`refresh tokens [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const refresh = (refreshToken: unknown) => sys.api.post<{ user: UserJson }>('/api/users/refresh', { refreshToken });
    const logout = (token: string, refreshToken: unknown) => sys.api.post('/api/users/logout', { refreshToken }, { token });
    const login = (u: TestUser, password = u.password) =>
      sys.api.post<{ user: UserJson }>('/api/users/login', { user: { email: u.email, password } });
    const me = (token: string) => sys.api.get<{ user: UserJson }>('/api/user', { token });
    /** A signed-in user and the refresh token of their sign-in. */
    async function signedIn(): Promise<TestUser & { refreshToken: string }> {
      const u = await registerUser(sys.api);
      const res = await login(u);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return { ...u, token: res.body.user.token, refreshToken: refreshTokenOf(res) };
    }
    const rows = async (userEmail: string) =>
      (
        await sql<{ token_hash: string; used_at: Date | null; revoked_at: Date | null }>`
          select t.token_hash, t.used_at, t.revoked_at from identity.refresh_tokens t join identity.users u on u.id = t.user_id
          where u.email = ${userEmail} order by t.id`.execute(sys.db.as<Any>())
      ).rows;

    it('register and login answer a refresh token; only its SHA-256 is stored', async () => {
      const u = await registerUser(sys.api, { password: 'password123' });
      const registered = await sys.api.post<{ user: UserJson }>('/api/users/login', { user: { email: u.email, password: u.password } });
      const fromLogin = refreshTokenOf(registered);
      const stored = await rows(u.email);
      assert.equal(stored.length, 2, 'one family from registration, one from login');
      assert.ok(stored.some((r) => r.token_hash === sha256(fromLogin)));
      const dump = JSON.stringify((await sql<{ row: string }>`select t::text as row from identity.refresh_tokens t`.execute(sys.db.as<Any>())).rows);
      assert.ok(!dump.includes(fromLogin), 'the token itself is nowhere in the table');
    });

    it('a refresh answers a new access token and a new refresh token, both usable, for the same user', async () => {
      const u = await signedIn();
      const first = await refresh(u.refreshToken);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.headers.get('cache-control'), 'no-store');
      assert.deepEqual(Object.keys(first.body.user).sort(), ['bio', 'email', 'image', 'refreshToken', 'token', 'username']);
      assert.equal(first.body.user.username, u.username);
      assert.equal(first.body.user.email, u.email);
      const next = refreshTokenOf(first);
      assert.notEqual(next, u.refreshToken);
      const mine = await me(first.body.user.token);
      assert.equal(mine.status, 200);
      assert.equal(mine.body.user.username, u.username);
      const second = await refresh(next);
      assert.equal(second.status, 200, 'the new refresh token refreshes in turn');
      assert.equal((await me(second.body.user.token)).status, 200);
    });

    it('a refresh token is single use; its reuse revokes the family (the newest token too) and no other', async () => {
      const u = await signedIn();
      const elsewhere = refreshTokenOf(await login(u)); // another device: another family
      const rotated = await refresh(u.refreshToken);
      assert.equal(rotated.status, 200);
      const newest = refreshTokenOf(rotated);

      assertRefreshRefused(await refresh(u.refreshToken));
      assertRefreshRefused(await refresh(newest));
      assertRefreshRefused(await refresh(u.refreshToken));
      assert.equal((await refresh(elsewhere)).status, 200, 'the other family is not touched');
    });

    it('logout without an access token is 401 and revokes nothing', async () => {
      const u = await signedIn();
      assertError(await sys.api.post('/api/users/logout', { refreshToken: u.refreshToken }), 401, 'token', 'is missing');
      assertError(await sys.api.post('/api/users/logout', { refreshToken: u.refreshToken }, { token: 'forged.jwt.token' }), 401, 'token', 'is invalid');
      assert.equal((await refresh(u.refreshToken)).status, 200);
    });

    it('logout: 204, then every token of that family is refused; a second logout is 204 too', async () => {
      const u = await signedIn();
      const res = await logout(u.token, u.refreshToken);
      assert.equal(res.status, 204, JSON.stringify(res.body));
      assertRefreshRefused(await refresh(u.refreshToken));
      assert.equal((await logout(u.token, u.refreshToken)).status, 204, 'signing out a signed-out session is no error');
    });

    it('logout with the older token of a rotated family revokes the newest', async () => {
      const u = await signedIn();
      const newest = refreshTokenOf(await refresh(u.refreshToken));
      assert.equal((await logout(u.token, u.refreshToken)).status, 204);
      assertRefreshRefused(await refresh(newest));
    });

    it('another user\'s refresh token cannot be revoked by logout: 404 like an unknown one, and it still works', async () => {
      const alice = await signedIn();
      const bob = await signedIn();
      assertError(await logout(bob.token, alice.refreshToken), 404, 'refreshToken', 'not found');
      assertError(await logout(bob.token, randomBytes(32).toString('base64url')), 404, 'refreshToken', 'not found');
      assert.equal((await refresh(alice.refreshToken)).status, 200, "alice's session survived bob's attempt");
    });

    it('an expired refresh token is 401', async () => {
      const u = await signedIn();
      await sql`update identity.refresh_tokens set expires_at = now() - interval '1 second' where token_hash = ${sha256(u.refreshToken)}`.execute(
        sys.db.as<Any>(),
      );
      assertRefreshRefused(await refresh(u.refreshToken));
    });

    it('a password change revokes every family; its answer carries a new pair that works; a bio change revokes none', async () => {
      const u = await signedIn();
      const other = refreshTokenOf(await login(u));
      const bio = await sys.api.put<{ user: UserJson }>('/api/user', { user: { bio: 'hello' } }, { token: u.token });
      assert.equal(bio.status, 200);
      assert.equal(bio.body.user.refreshToken, undefined, 'no new session without a new password');
      const kept = refreshTokenOf(await refresh(other));

      const changed = await sys.api.put<{ user: UserJson }>('/api/user', { user: { password: 'another-password' } }, { token: u.token });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      const fresh = refreshTokenOf(changed);
      for (const old of [u.refreshToken, kept]) assertRefreshRefused(await refresh(old));
      assert.ok((await rows(u.email)).filter((r) => r.token_hash !== sha256(fresh)).every((r) => r.revoked_at !== null), 'older rows marked revoked');
      const after = await refresh(fresh);
      assert.equal(after.status, 200, JSON.stringify(after.body));
      assert.equal((await me(after.body.user.token)).status, 200);
    });

    it('a refresh token of an older token version is refused even if its row was not marked revoked', async () => {
      const u = await signedIn();
      await sql`update identity.users set token_version = token_version + 1 where email = ${u.email}`.execute(sys.db.as<Any>());
      assertRefreshRefused(await refresh(u.refreshToken));
    });

    it('a deleted user\'s refresh tokens are gone with the account', async () => {
      const u = await signedIn();
      assert.equal((await sys.api.delete('/api/user', { token: u.token })).status, 204);
      assertRefreshRefused(await refresh(u.refreshToken));
      const left = await sql`select 1 from identity.refresh_tokens where token_hash = ${sha256(u.refreshToken)}`.execute(sys.db.as<Any>());
      assert.equal(left.rows.length, 0);
    });

    it('forged, garbage, huge and wrongly typed refresh tokens are 4xx in the error shape', async () => {
      const u = await signedIn();
      assertRefreshRefused(await refresh(randomBytes(32).toString('base64url')));
      assertRefreshRefused(await refresh(u.refreshToken.slice(0, -1) + (u.refreshToken.endsWith('A') ? 'B' : 'A')));
      for (const bad of ['', 'not a token!', u.token, 'x'.repeat(129), 'x'.repeat(100_000), 42, null, true, [u.refreshToken], { token: u.refreshToken }]) {
        const res = await refresh(bad);
        assertErrorShape(res);
        assert.equal(res.status, 422, `${JSON.stringify(bad).slice(0, 40)}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.equal((await logout(u.token, bad)).status, 422);
      }
      for (const body of [undefined, {}, { user: { refreshToken: u.refreshToken } }]) {
        const res = await sys.api.post('/api/users/refresh', body);
        assertErrorShape(res);
      }
      const malformed = await sys.api.post('/api/users/refresh', undefined, { rawBody: '{"refreshToken": "abc' });
      assertError(malformed, 400, 'body');
      const huge = await sys.api.post('/api/users/refresh', undefined, { rawBody: JSON.stringify({ refreshToken: 'x'.repeat(2_000_000) }) });
      assertError(huge, 413, 'body');
      assert.equal((await refresh(u.refreshToken)).status, 200, 'none of that touched the real token');
    });

    it('concurrent refreshes of one token: exactly one succeeds; the others are reuse and end the family', async () => {
      const u = await signedIn();
      const answers = await Promise.all(Array.from({ length: 6 }, () => refresh(u.refreshToken)));
      const won = answers.filter((r) => r.status === 200);
      assert.equal(won.length, 1, answers.map((r) => r.status).join(','));
      for (const lost of answers.filter((r) => r.status !== 200)) assertRefreshRefused(lost);
      assert.equal((await me(won[0]!.body.user.token)).status, 200, "the winner's access token is good until it expires");
      assertRefreshRefused(await refresh(refreshTokenOf(won[0]!)));
      assert.equal((await rows(u.email)).filter((r) => r.used_at !== null).length, 1, 'one rotation recorded');
    });
  });
}

test('the retention cron deletes expired and revoked refresh tokens and keeps live and rotated ones', async () => {
  const pglite = (await dbTargets()).find((t) => t.name === 'pglite')!;
  const sys = await startTestSystem(pglite, { BUS_RETENTION_EVERY_S: 1 });
  try {
    const db = sys.db.as<Any>();
    const u = await registerUser(sys.api);
    const { rows: [user] } = await sql<{ id: number }>`select id from identity.users where email = ${u.email}`.execute(db);
    const row = (hash: string, expires: string, used: boolean, revoked: boolean) =>
      sql`insert into identity.refresh_tokens (user_id, family_id, token_hash, token_version, expires_at, used_at, revoked_at)
        values (${user!.id}, gen_random_uuid(), ${hash}, 0, now() + ${expires}::interval,
          ${used ? sql`now()` : sql`null`}, ${revoked ? sql`now()` : sql`null`})`.execute(db);
    await row('expired', '-1 minute', false, false);
    await row('revoked', '1 hour', false, true);
    await row('rotated', '1 hour', true, false);
    await row('live', '1 hour', false, false);
    const hashes = async () =>
      (await sql<{ token_hash: string }>`select token_hash from identity.refresh_tokens where length(token_hash) < 10 order by token_hash`.execute(db)).rows.map(
        (r) => r.token_hash,
      );
    await eventually('expired and revoked rows pruned', async () => (await hashes()).length === 2, 10_000);
    assert.deepEqual(await hashes(), ['live', 'rotated']);
  } finally {
    await sys.close();
  }
});
