import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createProduct, registerAdmin } from '../../testing/catalog-fixtures.js';
import { generateCatalog } from '../../loadgen/seed/catalog-generator.js';
import { insertProductsInBulk } from './data/bulk-products.js';
import type { HitView, ListView } from './domain/views.js';

const SEEDED = 1200;

/** Fixed queries over the seeded catalog and what their top results must be. */
const EXPECTED: { q: string; top: number; nameMatches: RegExp; why: string }[] = [
  { q: 'headphones', top: 10, nameMatches: /Headphones/, why: 'a name match outranks the laptops whose description mentions headphones' },
  { q: 'hedphones', top: 5, nameMatches: /Headphones/, why: 'a typo (pg_trgm similarity)' },
  { q: 'headph', top: 10, nameMatches: /Headphones/, why: 'a prefix, as you type' },
  { q: 'kettel', top: 5, nameMatches: /Kettle/, why: 'a transposed typo' },
  { q: 'wireless earbuds', top: 3, nameMatches: /Wireless Earbuds/, why: 'every term must match' },
  { q: 'ergonomic chair', top: 5, nameMatches: /Ergonomic Chair/, why: 'two words in the name' },
  { q: 'sleeping bag', top: 5, nameMatches: /Sleeping Bag/, why: 'a two-word noun' },
];

for (const target of await dbTargets()) {
  describe(`catalog search [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    const search = async (qs: string) => {
      const res = await sys.api.get<ListView>(`/api/products?${qs}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    before(async () => {
      sys = await startTestSystem(target);
      await insertProductsInBulk(sys.db, generateCatalog(SEEDED, 7));
    });
    after(async () => {
      await sys?.close();
    });

    for (const { q, top, nameMatches, why } of EXPECTED) {
      it(`"${q}" finds ${nameMatches.source} first (${why})`, async () => {
        const { products } = await search(`q=${encodeURIComponent(q)}&limit=${top}`);
        assert.equal(products.length, top, `${q}: ${products.length} results`);
        for (const p of products) assert.match(p.name, nameMatches, `${q} → ${p.name}`);
        assert.ok(products.every((p, i) => i === 0 || products[i - 1]!.rank! >= p.rank!), 'ordered by rank');
      });
    }

    it('counts description-only matches too, ranked below every name match', async () => {
      const all = await search('q=headphones&limit=100');
      const inName = all.products.filter((p) => /Headphones/.test(p.name));
      const inDescription = all.products.filter((p) => !/Headphones/.test(p.name));
      assert.ok(inDescription.length > 0 && inName.length > 0);
      const firstDescription = all.products.indexOf(inDescription[0]!);
      assert.ok(all.products.slice(firstDescription).every((p) => !/Headphones/.test(p.name)), 'weights: name (A) above description (B)');
      assert.ok(all.productsCount > all.products.length, 'description matches are counted beyond the page');
    });

    it('facets: counts per category and per price band add up to productsCount', async () => {
      const answer = await search('q=headphones&limit=5');
      const { categories, priceBands } = answer.facets;
      assert.equal(categories[0]!.category, 'audio', 'headphones are mostly audio');
      assert.equal(categories.reduce((n, c) => n + c.count, 0), answer.productsCount);
      assert.equal(priceBands.reduce((n, b) => n + b.count, 0), answer.productsCount);
      const filtered = await search('q=headphones&category=audio&limit=5');
      assert.equal(filtered.productsCount, categories.find((c) => c.category === 'audio')!.count);
      const band = priceBands.find((b) => b.count > 0)!;
      const banded = await search(`q=headphones&minPrice=${band.min}${band.max === null ? '' : `&maxPrice=${band.max - 1}`}&limit=1`);
      assert.equal(banded.productsCount, band.count);
    });

    it('highlights the matched words with <mark>, escaping the rest as HTML', async () => {
      const admin = await registerAdmin(sys.api, sys.db);
      await createProduct(sys.api, admin, { name: '<img src=x> Zanzibar Headphones', description: 'Zanzibar sound & more', category: 'audio' });
      const { products } = await search('q=zanzibar');
      const hit = products[0] as HitView;
      assert.equal(hit.highlight!.name, '&lt;img src=x&gt; <mark>Zanzibar</mark> Headphones');
      assert.match(hit.highlight!.description, /<mark>Zanzibar<\/mark> sound &amp; more/);
    });

    it('search pages by cursor in rank order without repeats', async () => {
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: ListView = await search(`q=headphones&limit=40${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.products.map((p) => p.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 50);
      const total = (await search('q=headphones&limit=1')).productsCount;
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total);
    });

    it('query syntax is text, not tsquery: operators and quotes find nothing odd and never fail', async () => {
      for (const q of ["head & !phones", "'", '":*', '(((', 'a:*|b', '\\', '%', 'ー'.repeat(50)]) {
        const res = await sys.api.get(`/api/products?q=${encodeURIComponent(q)}`);
        assert.equal(res.status, 200, `${q}: ${JSON.stringify(res.body)}`);
      }
    });
  });
}
