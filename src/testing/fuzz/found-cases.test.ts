import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../db-targets.js';
import { startTestSystem, type TestSystem } from '../test-system.js';
import { addComment, createArticle, registerUser } from '../fixtures.js';

/**
 * Cases the fuzzers found (src/testing/fuzz/), kept as ordinary tests so
 * they hold whatever seed `npm test` runs. Each title says what it checks.
 */
for (const target of await dbTargets()) {
  describe(`cases found by fuzzing [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    // Was a 500 on PGlite: "invalid byte sequence for encoding UTF8: 0xef 0xbf" (fix: src/platform/db/pglite-dialect.ts).
    it('a lone surrogate escaped in a JSON body is stored as U+FFFD, not a 500', async () => {
      const u = await registerUser(sys.api);
      const article = await createArticle(sys.api, u.token, { title: '!', description: '\u00a0\udc00\ud800', body: 'é\udfff' });
      assert.equal(article.description, '\u00a0\ufffd\ufffd');
      assert.equal(article.body, 'é\ufffd');
      const comment = await addComment(sys.api, u.token, article.slug, '日\udc00');
      assert.equal(comment.body, '日\ufffd');
    });
  });
}
