import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../db-targets.js';
import { startTestSystem, type TestSystem } from '../test-system.js';
import { addComment, assertErrorShape, createArticle, registerUser } from '../fixtures.js';
import { startTestGateway } from '../../gateway/gateway-test-kit.js';
import { CONDUIT_ROUTES } from '../../gateway/route-table.js';

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

// Found by the gateway pass (gateway.fuzz.test.ts); issue 12 item 1. The fix belongs in the gateway's proxy
// (strip hop-by-hop and proxy-only headers, RFC 9110 §7.6.1), which branch `gateway` owns.
describe('cases found by fuzzing through the gateway', () => {
  const INTERNAL_SECRET = 'f'.repeat(40);
  it('a request with an Expect header is answered by the service, never a 502, and leaves the breaker closed', async () => {
    const [pglite] = await dbTargets();
    const sys = await startTestSystem(pglite!, { INTERNAL_SECRET });
    const gateway = await startTestGateway({ social: [sys.url], routes: CONDUIT_ROUTES, overrides: { INTERNAL_SECRET } });
    try {
      for (const expect of ['100-continue', '100-continue', 'nonsense', '100-continue', '100-continue', '100-continue']) {
        const res = await gateway.app.inject({ method: 'GET', url: '/api/tags', headers: { expect } });
        // Before the fix: 502 {"errors":{"social":["unavailable"]}}, and after five the breaker opens (503 for everyone).
        assert.ok(res.statusCode < 500, `Expect: ${expect} → ${res.statusCode} ${res.body}`);
        if (res.statusCode >= 400) assertErrorShape({ status: res.statusCode, headers: new Headers(res.headers as Record<string, string>), body: res.json() });
      }
      const plain = await gateway.app.inject({ method: 'GET', url: '/api/tags' });
      assert.equal(plain.statusCode, 200, `a plain request afterwards: ${plain.statusCode} ${plain.body}`);
    } finally {
      await gateway.close();
      await sys.close();
    }
  });
});
