import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SignJWT, decodeJwt } from 'jose';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { assertError, assertNoStackTrace, registerUser, unique, type UserJson } from '../../../testing/fixtures.js';

/** The suite runs with a known secret so it can mint expired and nonexistent-user tokens that are otherwise valid. */
const JWT_SECRET = randomBytes(32).toString('base64url');

async function mint(
  secret: string,
  sub: string,
  { expiresAt = Math.floor(Date.now() / 1000) + 3600, issuer = 'scalestack' }: { expiresAt?: number; issuer?: string } = {},
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(issuer)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}

const subOf = (token: string): string => {
  const sub = decodeJwt(token).sub;
  assert.equal(typeof sub, 'string', 'token carries the user id as sub');
  return sub as string;
};

for (const target of await dbTargets()) {
  describe(`users API [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target, { JWT_SECRET });
    });
    after(async () => {
      await sys?.close();
    });

    const register = (user: Record<string, unknown>) => sys.api.post<{ user: UserJson }>('/api/users', { user });
    const login = (user: Record<string, unknown>) => sys.api.post<{ user: UserJson }>('/api/users/login', { user });
    const update = (token: string, user: Record<string, unknown>) =>
      sys.api.put<{ user: UserJson }>('/api/user', { user }, { token });

    describe('POST /api/users (register)', () => {
      it('answers 201 with the user, a token, and null bio/image', async () => {
        const username = unique('reg');
        const email = `${username}@example.com`;
        const res = await register({ username, email, password: 'password123' });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
        const { user } = res.body;
        assert.equal(user.username, username);
        assert.equal(user.email, email);
        assert.equal(user.bio, null);
        assert.equal(user.image, null);
        assert.equal(typeof user.token, 'string');
        assert.ok(user.token.length > 0);
        // RealWorld's fields, plus the refresh token (docs/patterns/refresh-tokens.md).
        assert.deepEqual(Object.keys(user).sort(), ['bio', 'email', 'image', 'refreshToken', 'token', 'username']);
        assert.ok(!JSON.stringify(res.body).includes('password123'), 'the password never comes back');
      });

      it('the returned token works for GET /api/user', async () => {
        const u = await registerUser(sys.api);
        const res = await sys.api.get<{ user: UserJson }>('/api/user', { token: u.token });
        assert.equal(res.status, 200);
        assert.equal(res.body.user.username, u.username);
      });

      for (const field of ['username', 'email', 'password'] as const) {
        it(`422 "${field}: can't be blank" when ${field} is missing`, async () => {
          const username = unique('reg');
          const user: Record<string, unknown> = { username, email: `${username}@example.com`, password: 'password123' };
          delete user[field];
          assertError(await register(user), 422, field, "can't be blank");
        });

        it(`422 "${field}: can't be blank" when ${field} is empty`, async () => {
          const username = unique('reg');
          const user: Record<string, unknown> = { username, email: `${username}@example.com`, password: 'password123' };
          user[field] = '';
          assertError(await register(user), 422, field, "can't be blank");
        });

        it(`422 "${field}: can't be blank" when ${field} is whitespace only`, async () => {
          const username = unique('reg');
          const user: Record<string, unknown> = { username, email: `${username}@example.com`, password: 'password123' };
          user[field] = '   \t ';
          assertError(await register(user), 422, field, "can't be blank");
        });

        it(`422 keyed "${field}" when ${field} has the wrong type`, async () => {
          const username = unique('reg');
          const user: Record<string, unknown> = { username, email: `${username}@example.com`, password: 'password123' };
          user[field] = 123;
          assertError(await register(user), 422, field, /must be string/);
        });
      }

      it('422 keyed "user" when the wrapper is missing', async () => {
        assertError(await sys.api.post('/api/users', {}), 422, 'user');
      });

      it('422 keyed "user" when the wrapper is not an object', async () => {
        assertError(await sys.api.post('/api/users', { user: 'nope' }), 422, 'user');
      });

      it('409 "username: has already been taken"', async () => {
        const u = await registerUser(sys.api);
        const other = unique('reg');
        const res = await register({ username: u.username, email: `${other}@example.com`, password: 'password123' });
        assertError(res, 409, 'username', 'has already been taken');
      });

      it('409 "email: has already been taken"', async () => {
        const u = await registerUser(sys.api);
        const res = await register({ username: unique('reg'), email: u.email, password: 'password123' });
        assertError(res, 409, 'email', 'has already been taken');
      });

      it('409 on email regardless of case ("A@x.io" vs "a@x.io")', async () => {
        const local = unique('Mixed');
        const first = await register({ username: unique('reg'), email: `${local.toUpperCase()}@Example.IO`, password: 'password123' });
        assert.equal(first.status, 201, JSON.stringify(first.body));
        const res = await register({ username: unique('reg'), email: `${local.toLowerCase()}@example.io`, password: 'password123' });
        assertError(res, 409, 'email', 'has already been taken');
      });

      it('concurrent registrations of one username or email: one 201, the rest 409, never 500', async () => {
        const username = unique('race');
        const sameName = await Promise.all(
          Array.from({ length: 6 }, (_, i) => register({ username, email: `${username}${i}@example.com`, password: 'password123' })),
        );
        assert.deepEqual(sameName.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409], JSON.stringify(sameName.map((r) => r.body)));
        for (const r of sameName.filter((x) => x.status === 409)) assertError(r, 409, 'username', 'has already been taken');

        const email = `${unique('race')}@example.com`;
        const sameEmail = await Promise.all(
          Array.from({ length: 6 }, (_, i) => register({ username: `${unique('race')}${i}`, email: i % 2 ? email : email.toUpperCase(), password: 'password123' })),
        );
        assert.deepEqual(sameEmail.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409], JSON.stringify(sameEmail.map((r) => r.body)));
        for (const r of sameEmail.filter((x) => x.status === 409)) assertError(r, 409, 'email', 'has already been taken');
      });

      it('a failed register leaves no user behind', async () => {
        const taken = await registerUser(sys.api);
        const email = `${unique('ghost')}@example.com`;
        // 409 on username: the new email must not have been stored.
        assertError(await register({ username: taken.username, email, password: 'password123' }), 409, 'username');
        assertError(await login({ email, password: 'password123' }), 401, 'credentials', 'invalid');
        // 422 on password: neither username nor email stored.
        const username = unique('ghost');
        const email2 = `${username}@example.com`;
        assertError(await register({ username, email: email2, password: '' }), 422, 'password');
        assertError(await login({ email: email2, password: '' }), 422, 'password');
        assertError(await login({ email: email2, password: 'password123' }), 401, 'credentials', 'invalid');
        // Both are still free.
        const ok = await register({ username, email, password: 'password123' });
        assert.equal(ok.status, 201, JSON.stringify(ok.body));
        const profile = await sys.api.get(`/api/profiles/${username}`);
        assert.equal(profile.status, 200);
      });
    });

    describe('POST /api/users/login', () => {
      it('answers 200 with the user and a working token', async () => {
        const u = await registerUser(sys.api);
        const res = await login({ email: u.email, password: u.password });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.username, u.username);
        assert.equal(res.body.user.email, u.email);
        assert.equal(res.body.user.bio, null);
        assert.equal(res.body.user.image, null);
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: res.body.user.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.username, u.username);
      });

      it('401 "credentials: invalid" on a wrong password', async () => {
        const u = await registerUser(sys.api);
        assertError(await login({ email: u.email, password: 'wrong-password' }), 401, 'credentials', 'invalid');
      });

      it('401 "credentials: invalid" on an unknown email', async () => {
        assertError(
          await login({ email: `${unique('nobody')}@example.com`, password: 'password123' }),
          401,
          'credentials',
          'invalid',
        );
      });

      it('422 on blank email or password', async () => {
        const u = await registerUser(sys.api);
        assertError(await login({ password: u.password }), 422, 'email', "can't be blank");
        assertError(await login({ email: u.email }), 422, 'password', "can't be blank");
        assertError(await login({ email: '  ', password: u.password }), 422, 'email', "can't be blank");
        assertError(await login({ email: u.email, password: '' }), 422, 'password', "can't be blank");
      });

      it('422 keyed by field on wrong types, and keyed "user" without the wrapper', async () => {
        assertError(await login({ email: 123, password: 'password123' }), 422, 'email', /must be string/);
        assertError(await login({ email: 'a@example.com', password: ['x'] }), 422, 'password', /must be string/);
        assertError(await sys.api.post('/api/users/login', {}), 422, 'user');
      });
    });

    describe('GET /api/user', () => {
      it('accepts "Token <jwt>"', async () => {
        const u = await registerUser(sys.api);
        const res = await sys.api.get<{ user: UserJson }>('/api/user', { headers: { authorization: `Token ${u.token}` } });
        assert.equal(res.status, 200);
        const { token, ...rest } = res.body.user;
        assert.deepEqual(rest, { username: u.username, email: u.email, bio: null, image: null });
        assert.equal(typeof token, 'string');
      });

      it('accepts "Bearer <jwt>"', async () => {
        const u = await registerUser(sys.api);
        const res = await sys.api.get<{ user: UserJson }>('/api/user', { headers: { authorization: `Bearer ${u.token}` } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.username, u.username);
      });

      it('401 "token: is missing" without a token', async () => {
        assertError(await sys.api.get('/api/user'), 401, 'token', 'is missing');
      });

      it('401 "token: is invalid" for a malformed token', async () => {
        assertError(await sys.api.get('/api/user', { token: 'not-a-jwt' }), 401, 'token', 'is invalid');
        assertError(await sys.api.get('/api/user', { token: 'a.b.c' }), 401, 'token', 'is invalid');
        assertError(
          await sys.api.get('/api/user', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
          401,
          'token',
          'is invalid',
        );
      });

      it('401 "token: is invalid" for a tampered token', async () => {
        const u = await registerUser(sys.api);
        const [h, p, s] = u.token.split('.') as [string, string, string];
        const flipped = s.slice(0, -2) + (s.slice(-2) === 'AA' ? 'BB' : 'AA');
        assertError(await sys.api.get('/api/user', { token: `${h}.${p}.${flipped}` }), 401, 'token', 'is invalid');
      });

      it('401 "token: is invalid" for a forged token (signed with another secret)', async () => {
        const u = await registerUser(sys.api);
        const forged = await mint(randomBytes(32).toString('base64url'), subOf(u.token));
        assertError(await sys.api.get('/api/user', { token: forged }), 401, 'token', 'is invalid');
      });

      it('a token minted with the server secret works (control for the cases below)', async () => {
        const u = await registerUser(sys.api);
        const res = await sys.api.get<{ user: UserJson }>('/api/user', { token: await mint(JWT_SECRET, subOf(u.token)) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.username, u.username);
      });

      it('401 "token: is invalid" for an expired token', async () => {
        const u = await registerUser(sys.api);
        const expired = await mint(JWT_SECRET, subOf(u.token), { expiresAt: Math.floor(Date.now() / 1000) - 60 });
        assertError(await sys.api.get('/api/user', { token: expired }), 401, 'token', 'is invalid');
      });

      it('401 "token: is invalid" for a token of another issuer', async () => {
        const u = await registerUser(sys.api);
        const other = await mint(JWT_SECRET, subOf(u.token), { issuer: 'someone-else' });
        assertError(await sys.api.get('/api/user', { token: other }), 401, 'token', 'is invalid');
      });

      it('401 "token: is invalid" for a valid token of a user that does not exist', async () => {
        const ghost = await mint(JWT_SECRET, '2000000000');
        const res = await sys.api.get('/api/user', { token: ghost });
        assertError(res, 401, 'token', 'is invalid');
      });

      it('401 "token: is invalid" for an unsigned (alg none) token', async () => {
        const u = await registerUser(sys.api);
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const none = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: subOf(u.token), iss: 'scalestack' })}.`;
        assertError(await sys.api.get('/api/user', { token: none }), 401, 'token', 'is invalid');
      });
    });

    describe('PUT /api/user', () => {
      it('401 "token: is missing" without a token', async () => {
        assertError(await sys.api.put('/api/user', { user: { bio: 'x' } }), 401, 'token', 'is missing');
      });

      it('updates bio and image and returns the user with a token', async () => {
        const u = await registerUser(sys.api);
        const res = await update(u.token, { bio: 'I like to skateboard', image: 'https://example.com/me.jpg' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.bio, 'I like to skateboard');
        assert.equal(res.body.user.image, 'https://example.com/me.jpg');
        assert.equal(res.body.user.username, u.username);
        assert.equal(res.body.user.email, u.email);
        assert.equal(typeof res.body.user.token, 'string');
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: u.token });
        assert.equal(me.body.user.bio, 'I like to skateboard');
        assert.equal(me.body.user.image, 'https://example.com/me.jpg');
        const profile = await sys.api.get(`/api/profiles/${u.username}`);
        assert.equal(profile.body.profile.bio, 'I like to skateboard');
        assert.equal(profile.body.profile.image, 'https://example.com/me.jpg');
      });

      it('stores "" bio/image as null', async () => {
        const u = await registerUser(sys.api);
        await update(u.token, { bio: 'something', image: 'https://example.com/a.png' });
        const res = await update(u.token, { bio: '', image: '' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.bio, null);
        assert.equal(res.body.user.image, null);
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: u.token });
        assert.equal(me.body.user.bio, null);
        assert.equal(me.body.user.image, null);
      });

      it('stores whitespace-only bio/image as null (whitespace-only counts as blank)', async () => {
        const u = await registerUser(sys.api);
        const res = await update(u.token, { bio: '   ', image: ' \t ' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.bio, null);
        assert.equal(res.body.user.image, null);
      });

      it('accepts null bio/image (clears them)', async () => {
        const u = await registerUser(sys.api);
        await update(u.token, { bio: 'something', image: 'https://example.com/a.png' });
        const res = await update(u.token, { bio: null, image: null });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.bio, null);
        assert.equal(res.body.user.image, null);
      });

      it('leaves omitted fields unchanged', async () => {
        const u = await registerUser(sys.api);
        await update(u.token, { bio: 'kept', image: 'https://example.com/kept.png' });
        const res = await update(u.token, { bio: 'changed' });
        assert.equal(res.status, 200);
        assert.equal(res.body.user.bio, 'changed');
        assert.equal(res.body.user.image, 'https://example.com/kept.png');
        assert.equal(res.body.user.username, u.username);
        assert.equal(res.body.user.email, u.email);
      });

      for (const field of ['email', 'username'] as const) {
        it(`422 "${field}: can't be blank" for an empty ${field}`, async () => {
          const u = await registerUser(sys.api);
          assertError(await update(u.token, { [field]: '' }), 422, field, "can't be blank");
        });

        it(`422 keyed "${field}" for a null ${field}`, async () => {
          const u = await registerUser(sys.api);
          assertError(await update(u.token, { [field]: null }), 422, field);
        });

        it(`422 "${field}: can't be blank" for a whitespace-only ${field}`, async () => {
          const u = await registerUser(sys.api);
          assertError(await update(u.token, { [field]: '   ' }), 422, field, "can't be blank");
        });
      }

      it('a rejected update changes nothing', async () => {
        const u = await registerUser(sys.api);
        assertError(await update(u.token, { username: '', bio: 'should not stick' }), 422, 'username');
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: u.token });
        assert.equal(me.body.user.username, u.username);
        assert.equal(me.body.user.bio, null);
      });

      it('422 keyed by field for wrong types, keyed "user" without the wrapper', async () => {
        const u = await registerUser(sys.api);
        assertError(await update(u.token, { bio: 42 }), 422, 'bio');
        assertError(await update(u.token, { email: 123 }), 422, 'email', /must be string/);
        assertError(await sys.api.put('/api/user', {}, { token: u.token }), 422, 'user');
      });

      it('422 keyed "password" for a password under 8 or over 64 characters', async () => {
        const u = await registerUser(sys.api);
        assertError(await update(u.token, { password: 'short12' }), 422, 'password');
        assertError(await update(u.token, { password: 'x'.repeat(65) }), 422, 'password');
        assertError(await update(u.token, { password: '' }), 422, 'password');
        // The old password still works.
        assert.equal((await login({ email: u.email, password: u.password })).status, 200);
      });

      it('accepts passwords of exactly 8 and 64 characters; login uses the new one', async () => {
        const u = await registerUser(sys.api);
        const eight = 'abcd1234';
        let res = await update(u.token, { password: eight });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assertError(await login({ email: u.email, password: u.password }), 401, 'credentials', 'invalid');
        assert.equal((await login({ email: u.email, password: eight })).status, 200);
        const sixtyFour = 'p'.repeat(64);
        // The change revoked u.token: the next one goes with the token it answered with.
        res = await update(res.body.user.token, { password: sixtyFour });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal((await login({ email: u.email, password: sixtyFour })).status, 200);
      });

      it('after a username change the returned token works and the profile moves', async () => {
        const u = await registerUser(sys.api);
        const username = unique('renamed');
        const res = await update(u.token, { username });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.username, username);
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: res.body.user.token });
        assert.equal(me.status, 200, JSON.stringify(me.body));
        assert.equal(me.body.user.username, username);
        assert.equal((await sys.api.get(`/api/profiles/${username}`)).status, 200);
        assertError(await sys.api.get(`/api/profiles/${u.username}`), 404, 'profile', 'not found');
      });

      it('after an email change the returned token works and login uses the new email', async () => {
        const u = await registerUser(sys.api);
        const email = `${unique('moved')}@example.com`;
        const res = await update(u.token, { email });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.user.email, email);
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: res.body.user.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.email, email);
        assert.equal((await login({ email, password: u.password })).status, 200);
        assertError(await login({ email: u.email, password: u.password }), 401, 'credentials', 'invalid');
      });

      it('409 when taking another user\'s username or email (email case-insensitive)', async () => {
        const a = await registerUser(sys.api);
        const b = await registerUser(sys.api);
        assertError(await update(b.token, { username: a.username }), 409, 'username', 'has already been taken');
        assertError(await update(b.token, { email: a.email }), 409, 'email', 'has already been taken');
        assertError(await update(b.token, { email: a.email.toUpperCase() }), 409, 'email', 'has already been taken');
      });

      it('keeping one\'s own username/email (even in another case) is not a conflict', async () => {
        const u = await registerUser(sys.api);
        const same = await update(u.token, { username: u.username, email: u.email });
        assert.equal(same.status, 200, JSON.stringify(same.body));
        const upper = await update(u.token, { email: u.email.toUpperCase() });
        assert.equal(upper.status, 200, JSON.stringify(upper.body));
      });

      it('a freed username/email can be registered again', async () => {
        const u = await registerUser(sys.api);
        const res = await update(u.token, { username: unique('new'), email: `${unique('new')}@example.com` });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const again = await register({ username: u.username, email: u.email, password: 'password123' });
        assert.equal(again.status, 201, JSON.stringify(again.body));
      });

      it('401 "token: is invalid" with a forged token', async () => {
        const u = await registerUser(sys.api);
        const forged = await mint(randomBytes(32).toString('base64url'), subOf(u.token));
        const res = await update(forged, { bio: 'hacked' });
        assertError(res, 401, 'token', 'is invalid');
        assertNoStackTrace(res);
        const me = await sys.api.get<{ user: UserJson }>('/api/user', { token: u.token });
        assert.equal(me.body.user.bio, null);
      });
    });
  });
}
