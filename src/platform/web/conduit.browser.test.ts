import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { browserTestOptions, buildWebClient, launchChromium, screenshot, signUpInBrowser } from '../../testing/browser.js';

/**
 * The Conduit client in Debian's Chromium against the whole system (embedded, PGlite):
 * what a reader and a writer do, end to end, plus the first load's weight and the
 * markdown sanitizer. Screenshots of each main page go to SCREENSHOTS_DIR (reports/screenshots).
 */
const options = browserTestOptions();
const [pglite] = await dbTargets();
const FIRST_LOAD_JS_LIMIT = 200_000;

describe('Conduit web client in Chromium [pglite]', options, () => {
  let sys: TestSystem;
  let browser: Browser;
  before(async () => {
    buildWebClient();
    sys = await startTestSystem(pglite!);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await sys?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  }

  const signUp = (page: Page, username: string) => signUpInBrowser(page, sys.url, username);

  test('first load of / is under 200 kB of JavaScript gzipped, all from this origin', async (t) => {
    const page = await newPage();
    const scripts: { url: string; gzipped: number }[] = [];
    const pending: Promise<void>[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'script') return;
      pending.push(response.body().then((body) => void scripts.push({ url: response.url(), gzipped: gzipSync(body).length })));
    });
    await page.goto(`${sys.url}/`, { waitUntil: 'networkidle' });
    await page.getByRole('heading', { name: 'conduit' }).waitFor();
    await Promise.all(pending);
    const total = scripts.reduce((sum, s) => sum + s.gzipped, 0);
    t.diagnostic(`first load: ${scripts.length} scripts, ${total} bytes of JavaScript gzipped`);
    assert.ok(scripts.length > 0, 'the page loaded its scripts');
    assert.ok(scripts.every((s) => s.url.startsWith(`${sys.url}/assets/`)), `every script from /assets/: ${scripts.map((s) => s.url).join(', ')}`);
    assert.ok(total < FIRST_LOAD_JS_LIMIT, `${total} bytes gzipped`);
    await page.context().close();
  });

  test('sign up, write in markdown, follow, read it in the feed, favorite, comment, edit settings, sign out', async () => {
    const alice = await newPage();
    await signUp(alice, 'alice');
    await screenshot(alice, 'home');

    // Alice writes an article in markdown.
    await alice.getByRole('link', { name: 'New Article' }).click();
    await alice.getByLabel('Article Title').fill('Scaling reads');
    await alice.getByLabel("What's this article about?").fill('Caches, replicas and feeds');
    await alice.getByLabel('Write your article (in markdown)').fill('## Why cache\n\nReads are **cheap** when they *never* reach the database.\n\n- near\n- l1\n- l2');
    await alice.getByLabel('Enter tags (Enter adds one)').fill('scaling');
    await alice.getByLabel('Enter tags (Enter adds one)').press('Enter');
    await screenshot(alice, 'editor');
    await alice.getByRole('button', { name: 'Publish Article' }).click();
    await alice.getByRole('heading', { name: 'Scaling reads' }).waitFor();
    const content = alice.locator('.article-content');
    assert.equal(await content.locator('h2').textContent(), 'Why cache');
    assert.equal(await content.locator('strong').textContent(), 'cheap');
    assert.equal(await content.locator('li').count(), 3);

    // Bob follows her from the article page and finds it in his feed.
    const bob = await newPage();
    await signUp(bob, 'bob');
    await bob.goto(`${sys.url}/#/profile/alice`);
    await bob.getByRole('heading', { name: 'alice' }).waitFor();
    await bob.getByRole('button', { name: 'Follow alice' }).click();
    await bob.getByRole('button', { name: 'Unfollow alice' }).waitFor();
    await screenshot(bob, 'profile');
    await bob.getByRole('link', { name: 'Home' }).click();
    await bob.getByRole('link', { name: 'Your Feed' }).click();
    await bob.getByRole('heading', { name: 'Scaling reads' }).waitFor();
    await screenshot(bob, 'feed');

    // Favorite, then comment.
    await bob.getByRole('heading', { name: 'Scaling reads' }).click();
    await bob.getByRole('button', { name: /^Favorite article \(0\)/ }).click();
    await bob.getByRole('button', { name: /^Unfavorite article \(1\)/ }).waitFor();
    await bob.getByLabel('Write a comment').fill('Which tier helps most?');
    await bob.getByRole('button', { name: 'Post Comment' }).click();
    await bob.locator('.card-text', { hasText: 'Which tier helps most?' }).waitFor();
    await screenshot(bob, 'article');
    const favorited = await (await fetch(`${sys.url}/api/articles?favorited=bob`)).json() as { articles: { slug: string }[] };
    assert.equal(favorited.articles.length, 1, 'the API agrees: bob favorited one article');

    // Settings: a bio, shown on his profile.
    await bob.getByRole('link', { name: 'Settings', exact: true }).click();
    await bob.getByLabel('Short bio about you').fill('Reads feeds for a living');
    await screenshot(bob, 'settings');
    await bob.getByRole('button', { name: 'Update Settings' }).click();
    await bob.getByText('Reads feeds for a living').waitFor();
    await bob.getByRole('link', { name: 'Favorited Articles' }).click();
    await bob.getByRole('heading', { name: 'Scaling reads' }).waitFor();

    // Sign out: the header offers sign in again, and a reload keeps him out.
    await bob.getByRole('link', { name: 'Settings', exact: true }).click();
    await bob.getByRole('button', { name: 'Or click here to logout.' }).click();
    await bob.getByRole('link', { name: 'Sign in' }).waitFor();
    await bob.reload();
    await bob.getByRole('link', { name: 'Sign in' }).waitFor();
    assert.equal(await bob.getByRole('link', { name: 'Your Feed' }).count(), 0);
    await screenshot(bob, 'login-after-sign-out');
    await alice.context().close();
    await bob.context().close();
  });

  test('markdown that tries to run script renders as inert HTML (script, javascript: links, event handlers)', async () => {
    const register = await fetch(`${sys.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { username: 'mallory', email: 'mallory@example.com', password: 'a long enough password' } }),
    });
    const { user } = (await register.json()) as { user: { token: string } };
    const body = [
      'Before **safe** text.',
      '<script>window.__pwned = "script"</script>',
      '[click](javascript:window.__pwned="md-link")',
      '<a href=" JaVaScRiPt:window.__pwned=&quot;html-link&quot;">html link</a>',
      '<img src="x" onerror="window.__pwned=\'onerror\'">',
      '<svg onload="window.__pwned=\'svg\'"><circle r="1"/></svg>',
      '<iframe src="javascript:window.__pwned=\'iframe\'"></iframe>',
      '<div onmouseover="window.__pwned=\'hover\'" style="width:100px;height:40px">hover me</div>',
      '<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">go</button></form>',
      'After.',
    ].join('\n\n');
    const created = await fetch(`${sys.url}/api/articles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Token ${user.token}` },
      body: JSON.stringify({ article: { title: 'Hostile markdown', description: 'x', body, tagList: [] } }),
    });
    assert.equal(created.status, 201);
    const { article } = (await created.json()) as { article: { slug: string } };

    const page = await newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(`${sys.url}/#/article/${article.slug}`);
    const content = page.locator('.article-content');
    await content.getByText('After.').waitFor();
    await content.getByText('hover me').hover();
    const found = await content.evaluate((root) => {
      const all = [...root.querySelectorAll('*')];
      return {
        scripts: root.querySelectorAll('script, iframe, form, object, embed').length,
        handlers: all.flatMap((el) => [...el.attributes].filter((a) => a.name.toLowerCase().startsWith('on')).map((a) => `${el.tagName}.${a.name}`)),
        jsUrls: all.flatMap((el) => [...el.attributes].filter((a) => /^\s*(javascript|vbscript|data):/i.test(a.value)).map((a) => `${el.tagName}.${a.name}`)),
        strong: root.querySelector('strong')?.textContent ?? null,
        links: root.querySelectorAll('a').length,
      };
    });
    assert.deepEqual(found.handlers, []);
    assert.deepEqual(found.jsUrls, []);
    assert.equal(found.scripts, 0);
    assert.equal(found.strong, 'safe', 'ordinary markdown still renders');
    assert.equal(found.links, 2, 'the links stay, without their script');
    // The link text stays; its javascript: target does not (an <a> without href, so no role=link).
    await content.locator('a', { hasText: 'click' }).click();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: string }).__pwned), undefined);
    assert.deepEqual(dialogs, []);
    await page.context().close();
  });

  test('a follow appears live in the header: the unread badge counts it and the list names who followed', async () => {
    const carol = await newPage();
    await signUp(carol, 'carol');
    const bell = carol.getByRole('button', { name: /^Notifications/ });
    await bell.waitFor();
    assert.equal(await carol.locator('.badge').count(), 0, 'nothing unread yet');
    // Dave follows her from elsewhere (the API): no reload on carol's page.
    const dave = await sys.api.post<{ user: { token: string } }>('/api/users', { user: { username: 'dave', email: 'dave@example.com', password: 'a long enough password' } });
    const follow = await sys.api.post('/api/profiles/carol/follow', undefined, { token: dave.body.user.token });
    assert.equal(follow.status, 200);
    await carol.getByLabel('1 unread').waitFor();
    await bell.click();
    await carol.locator('#notification-list').getByRole('link', { name: 'dave followed you' }).waitFor();
    await screenshot(carol, 'notifications');
    await carol.getByRole('button', { name: 'Mark all read' }).click();
    await carol.locator('.badge').waitFor({ state: 'detached' });
    await carol.context().close();
  });
});
