import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { dbTargets } from '../testing/db-targets.js';
import { skipUnlessAvailable } from '../testing/services-required.js';
import { startTestSystem, type TestSystem } from '../testing/test-system.js';
import { createArticle, registerUser, unique } from '../testing/fixtures.js';
import { startTestGateway, TEST_INTERNAL_SECRET, TEST_JWT_SECRET } from './gateway-test-kit.js';
import { CONDUIT_ROUTES } from './route-table.js';
import type { Gateway } from './gateway.js';

/**
 * The real proof for issue 12.8: Debian's Chromium (headless) opens a page
 * served from another origin, which does what a RealWorld front end does with
 * fetch(): log in (a preflighted JSON POST), favorite with `Content-Type:
 * application/json` and an empty body, and read the tags, publish an article
 * with a new tag, and read the tags again through the browser's own HTTP
 * cache. Against the embedded server and through the gateway.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const options = skipUnlessAvailable(existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
const [pglite] = await dbTargets();

interface Outcome {
  error?: string;
  login?: number;
  favorite?: number;
  favorited?: boolean;
  etag?: string | null;
  requestId?: string | null;
  tagSeenAfterPublishing?: boolean;
}

/** The front end's script, run in the page (a string: the repo's TypeScript has no DOM types). */
const frontEnd = (api: string, email: string, password: string, slug: string, tag: string) => `(async () => {
  const api = ${JSON.stringify(api)};
  const json = { 'Content-Type': 'application/json' };
  try {
    const login = await fetch(api + '/api/users/login', { method: 'POST', headers: json, body: JSON.stringify({ user: { email: ${JSON.stringify(email)}, password: ${JSON.stringify(password)} } }) });
    const answer = await login.json();
    // Seen once in CI through the gateway (no user in the answer): the status and code say which refusal it was.
    if (!answer.user) throw new Error('login: ' + login.status + ' ' + JSON.stringify(answer));
    const { user } = answer;
    const auth = { ...json, Authorization: 'Token ' + user.token };
    const favorite = await fetch(api + '/api/articles/${slug}/favorite', { method: 'POST', headers: auth, body: '' });
    const favorited = (await favorite.json()).article.favorited;
    const tags = await fetch(api + '/api/tags', { headers: auth });
    await tags.json();
    const created = await fetch(api + '/api/articles', { method: 'POST', headers: auth, body: JSON.stringify({ article: { title: 'T ' + Math.random(), description: 'd', body: 'b', tagList: [${JSON.stringify(tag)}] } }) });
    if (created.status !== 201) throw new Error('publish: ' + created.status);
    const again = await (await fetch(api + '/api/tags', { headers: auth })).json();
    return { login: login.status, favorite: favorite.status, favorited, etag: tags.headers.get('etag'), requestId: tags.headers.get('x-request-id'), tagSeenAfterPublishing: again.tags.includes(${JSON.stringify(tag)}) };
  } catch (err) {
    return { error: String(err) };
  }
})()`;

describe('a RealWorld front end on another origin, in Chromium', options, () => {
  let sys: TestSystem;
  let gateway: Gateway;
  let page: Server;
  let pageUrl: string;
  let browser: Browser;
  before(async () => {
    sys = await startTestSystem(pglite!, { JWT_SECRET: TEST_JWT_SECRET, INTERNAL_SECRET: TEST_INTERNAL_SECRET });
    gateway = await startTestGateway({ social: [sys.url], routes: CONDUIT_ROUTES });
    // The front end's own origin: another port is another origin.
    page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>front end</title>'));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => page?.close(resolve));
    await gateway?.close();
    await sys?.close();
  });

  for (const via of ['embedded', 'gateway'] as const) {
    it(`${via}: login, favorite with an empty JSON body, headers readable, and the new tag seen at once`, async () => {
      const api = via === 'embedded' ? sys.url : gateway.url;
      const author = await registerUser(sys.api);
      const reader = await registerUser(sys.api);
      const article = await createArticle(sys.api, author.token);
      const tab = await browser.newPage();
      try {
        await tab.goto(pageUrl);
        const outcome = await tab.evaluate<Outcome>(frontEnd(api, reader.email, reader.password, article.slug, unique('tag')));
        assert.equal(outcome.error, undefined, `the browser refused: ${outcome.error}`);
        assert.deepEqual({ login: outcome.login, favorite: outcome.favorite, favorited: outcome.favorited }, { login: 200, favorite: 200, favorited: true });
        assert.match(outcome.etag ?? '', /^"/, 'ETag readable by the page');
        assert.ok(outcome.requestId, 'x-request-id readable by the page');
        assert.equal(outcome.tagSeenAfterPublishing, true, 'the browser cache showed the old tags after publishing');
      } finally {
        await tab.close();
      }
    });
  }
});
