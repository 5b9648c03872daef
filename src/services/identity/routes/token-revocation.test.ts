import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { registerUser, type UserJson } from '../../../testing/fixtures.js';

const article = { article: { title: 'Still me?', description: 'd', body: 'b' } };

for (const target of await dbTargets()) {
  describe(`a password change revokes older tokens [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    it('tokens signed before PUT /api/user with a password get 401 (identity and social); the token in its response works', async () => {
      const u = await registerUser(sys.api);
      const { body: login } = await sys.api.post<{ user: UserJson }>('/api/users/login', { user: { email: u.email, password: u.password } });
      const older = [u.token, login.user.token];
      for (const token of older) assert.equal((await sys.api.get('/api/user', { token })).status, 200, 'valid before the change');

      const changed = await sys.api.put<{ user: UserJson }>('/api/user', { user: { password: 'a-new-password' } }, { token: u.token });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      const fresh = changed.body.user.token;
      for (const token of older) {
        assert.equal((await sys.api.get('/api/user', { token })).status, 401, 'identity refuses an older token');
        assert.equal((await sys.api.post('/api/articles', article, { token })).status, 401, 'social refuses an older token');
        assert.equal((await sys.api.get('/api/articles', { token })).status, 401, 'reads with it too');
      }
      assert.equal((await sys.api.get('/api/user', { token: fresh })).status, 200);
      assert.equal((await sys.api.post('/api/articles', article, { token: fresh })).status, 201);

      // Other changes keep tokens valid.
      const bio = await sys.api.put<{ user: UserJson }>('/api/user', { user: { bio: 'new bio' } }, { token: fresh });
      assert.equal(bio.status, 200);
      assert.equal((await sys.api.get('/api/user', { token: fresh })).status, 200, 'a bio change revokes nothing');
      assert.equal((await sys.api.get('/api/user', { token: bio.body.user.token })).status, 200);

      const relogin = await sys.api.post<{ user: UserJson }>('/api/users/login', { user: { email: u.email, password: 'a-new-password' } });
      assert.equal(relogin.status, 200);
      assert.equal((await sys.api.get('/api/user', { token: relogin.body.user.token })).status, 200);
      assert.equal((await sys.api.post('/api/users/login', { user: { email: u.email, password: u.password } })).status, 401, 'the old password is gone');
    });
  });
}
