import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../../platform/db/database.js';
import { dbTargets } from '../../../testing/db-targets.js';
import { seedCatalog } from '../../../cli/catalog-seed.js';
import type { ProductQuery } from '../domain/product-query.js';
import { SearchStore } from './search.store.js';
import type { CatalogTables } from './tables.js';
import { planNodes } from '../../../testing/query-plans.js';

/** 40,000 products: enough for the planner to pick a sequential scan of the table for a common word's OR of the two matches. */
const PRODUCTS = 40_000;

const [, postgres] = await dbTargets();

test(`text search at ${PRODUCTS.toLocaleString('en')} products (postgres): every statement a search sends reads the products through its indexes, no sequential scan of the table`, { ...postgres!.options, timeout: 300_000 }, async () => {
  const url = await postgres!.create();
  try {
    await seedCatalog({ databaseUrl: url, dataDir: 'memory://', count: PRODUCTS, seed: 3 });

    // The store's own statements, captured with their parameters as they run, then explained as they were sent.
    const captured: { sql: string; parameters: readonly unknown[] }[] = [];
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const logged = new Kysely<CatalogTables>({ dialect: new PostgresDialect({ pool }), log: (event) => void captured.push(event.query) });
    const store = new SearchStore({ as: () => logged } as unknown as Database);
    const search = (terms: string[], more: Partial<ProductQuery> = {}): ProductQuery => ({ terms, sort: 'relevance', limit: 20, ...more });
    const searches: [string, ProductQuery][] = [
      ['a common word', search(['headphones'])],
      ['a typo', search(['hedphones'])],
      ['a prefix', search(['headph'])],
      ['two words', search(['wireless', 'earbuds'])],
      ['a common word, in a category and price range, in stock', search(['headphones'], { category: 'audio', minPrice: 1_000, maxPrice: 20_000, inStock: true })],
      ['a common word by price', search(['headphones'], { sort: 'price_asc' })],
      ['a common word, next page', search(['headphones'], { after: { value: 0.5, id: 20_000 } })],
    ];
    try {
      for (const [name, query] of searches) {
        captured.length = 0;
        const answer = await store.query(query);
        assert.ok(answer.total > 0, `${name}: finds something`);
        assert.ok(captured.some((s) => /catalog\.products/.test(s.sql)), `${name}: no statement captured`);
        // Replayed in order in one transaction: the settings the search makes run, its reads are explained.
        const client = await pool.connect();
        try {
          await client.query('begin');
          for (const statement of captured) {
            if (!/catalog\.products/.test(statement.sql)) {
              if (!/^(begin|commit)/i.test(statement.sql.trim())) await client.query(statement.sql, [...statement.parameters]);
              continue;
            }
            const seqScans = (await planNodes(client, statement.sql, statement.parameters)).filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'products');
            assert.equal(seqScans.length, 0, `${name}: a sequential scan of catalog.products in\n${statement.sql}`);
          }
        } finally {
          await client.query('rollback');
          client.release();
        }
      }
    } finally {
      await logged.destroy();
    }
  } finally {
    await postgres!.drop(url);
  }
});
