import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { assertError, createArticle, registerUser, unique, type UserJson } from '../../../testing/fixtures.js';

const password = 'password123';

for (const target of await dbTargets()) {
  describe(`look-alike identities [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const register = (username: string, email = `${unique('e')}@example.com`) =>
      sys.api.post<{ user: UserJson }>('/api/users', { user: { username, email, password } });
    const rowsNamed = async (...names: string[]) =>
      (await sql<{ n: number }>`select count(*)::int as n from identity.users where username = any(${names})`.execute(sys.db.as<object>())).rows[0]!.n;

    it('José precomposed and decomposed, and JOSÉ, are one name (stored NFKC lowercase)', async () => {
      const suffix = unique('');
      const first = await register(`Jos\u00e9${suffix}`);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.user.username, `jos\u00e9${suffix}`);
      assertError(await register(`Jose\u0301${suffix}`), 409, 'username', 'has already been taken');
      assertError(await register(`JOS\u00c9${suffix}`), 409, 'username', 'has already been taken');
      const profile = await sys.api.get(`/api/profiles/${encodeURIComponent(`JOSE\u0301${suffix}`)}`);
      assert.equal(profile.status, 200, 'found by any spelling');
      assert.equal(profile.body.profile.username, `jos\u00e9${suffix}`);
    });

    it('fullwidth ａｌｉｃｅ is alice: 409 after alice, and finds alice', async () => {
      const name = unique('alice');
      const fullwidth = [...name].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
      assert.equal((await register(name)).status, 201);
      assertError(await register(fullwidth), 409, 'username', 'has already been taken');
      assertError(await register(fullwidth.toUpperCase()), 409, 'username');
      const profile = await sys.api.get(`/api/profiles/${encodeURIComponent(fullwidth)}`);
      assert.equal(profile.status, 200);
      assert.equal(profile.body.profile.username, name);
    });

    it('422 for Cyrillic а in a Latin name, zero-width, bidi override, tab, newline, other default-ignorables and separators, a name that is only \\u200b; nothing written', async () => {
      const base = unique('alice');
      const cases = {
        cyrillic: `\u0430${base}`,
        zeroWidth: `${base}\u200b`,
        onlyZeroWidth: '\u200b',
        bidi: `\u202e${base}`,
        tab: `${base}\tx`,
        newline: `${base}\nx`,
        joiner: `${base}\u200dx`,
        graphemeJoiner: `${base}\u034f`,
        variationSelector: `${base}\ufe0f`,
        hangulFiller: `${base}\u3164`,
        noBreakSpace: `${base}\u00a0x`,
        ideographicSpace: `${base}\u3000x`,
        lineSeparator: `${base}\u2028x`,
      };
      for (const [label, username] of Object.entries(cases)) {
        const res = await register(username);
        assertError(res, 422, 'username');
        assert.match(JSON.stringify(res.body), label === 'cyrillic' ? /one script/ : /invisible/, label);
      }
      assert.equal(await rowsNamed(...Object.values(cases), base), 0, 'no row for any of them');
      assert.equal((await register(`\u0430\u043b\u0438\u0441\u0430${Date.now()}`)).status, 201, 'an all-Cyrillic name (with digits) is fine');
    });

    it('bob@x.io\\u200b is refused beside bob@x.io; case and width variants of an email are the same email, also for login', async () => {
      const local = unique('bob');
      const email = `${local}@x.io`;
      const user = await register(unique('u'), email);
      assert.equal(user.status, 201);
      assertError(await register(unique('u'), `${email}\u200b`), 422, 'email', /invisible/);
      assertError(await register(unique('u'), `\u202e${email}`), 422, 'email');
      assertError(await register(unique('u'), email.toUpperCase()), 409, 'email', 'has already been taken');
      const fullwidthAt = `${local}\uff20x.io`;
      assertError(await register(unique('u'), fullwidthAt), 409, 'email');
      const login = await sys.api.post<{ user: UserJson }>('/api/users/login', { user: { email: `  ${email.toUpperCase()} `, password } });
      assert.equal(login.status, 200, 'login by any spelling of the email');
      assert.equal(login.body.user.email, email);
    });

    it('an update is held to the same rules: look-alike of another name 409, invisible characters 422', async () => {
      const a = await registerUser(sys.api);
      const b = await registerUser(sys.api);
      const put = (user: Record<string, unknown>) => sys.api.put('/api/user', { user }, { token: b.token });
      assertError(await put({ username: a.username.toUpperCase() }), 409, 'username');
      assertError(await put({ username: `${b.username}\u200b` }), 422, 'username');
      assertError(await put({ username: `\u0430${b.username}` }), 422, 'username');
      assertError(await put({ email: `${a.email}\u200b` }), 422, 'email');
      const renamed = await put({ username: `ＮＥＷ${b.username}` });
      assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
      assert.equal(renamed.body.user.username, `new${b.username}`);
    });

    it('tags: NFKC and lowercase on write and in the filter; invisible characters 422; author filter by any spelling', async () => {
      const author = await registerUser(sys.api);
      const tag = unique('react');
      const article = await createArticle(sys.api, author.token, { tagList: [tag.toUpperCase(), ` ${tag} `, [...tag].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('')] });
      assert.deepEqual(article.tagList, [tag]);
      for (const spelling of [tag, tag.toUpperCase()]) {
        const list = await sys.api.get(`/api/articles?tag=${encodeURIComponent(spelling)}`);
        assert.equal(list.body.articlesCount, 1, spelling);
      }
      const byAuthor = await sys.api.get(`/api/articles?author=${encodeURIComponent(author.username.toUpperCase())}`);
      assert.equal(byAuthor.body.articlesCount, 1);
      const bad = await sys.api.post('/api/articles', { article: { title: 't', description: 'd', body: 'b', tagList: [`a\u200bb`] } }, { token: author.token });
      assertError(bad, 422, 'tagList', /invisible/);
      const filler = await sys.api.post('/api/articles', { article: { title: 't', description: 'd', body: 'b', tagList: [`${tag}\u034f`] } }, { token: author.token });
      assertError(filler, 422, 'tagList', /invisible/);
      const tags = (await sys.api.get('/api/tags')).body.tags as string[];
      assert.ok(!tags.some((t) => /[\u200b]/.test(t)));
      assert.ok(tags.includes(tag) && !tags.includes(tag.toUpperCase()));
    });
  });
}
