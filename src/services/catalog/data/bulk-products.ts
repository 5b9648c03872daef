import { sql } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import { categoryName, type NewProduct } from './products.store.js';

/**
 * Inserts many products, one statement per batch (unnest of column arrays): how `scalestack seed --catalog`
 * writes 100,000 products in seconds. Categories are created first. No events: a seed is not a change anyone
 * subscribed to. Returns the ids in order.
 */
export async function insertProductsInBulk(database: Database, products: readonly NewProduct[], onBatch: (n: number) => void = () => {}, batch = 2000): Promise<number[]> {
  const db = database.as<object>();
  const slugs = [...new Set(products.map((p) => p.category))];
  if (slugs.length > 0) {
    await sql`insert into catalog.categories (slug, name) select * from unnest(${slugs}::text[], ${slugs.map(categoryName)}::text[])
      on conflict (slug) do nothing`.execute(db);
  }
  const ids: number[] = [];
  for (let i = 0; i < products.length; i += batch) {
    const s = products.slice(i, i + batch);
    const { rows } = await sql<{ id: number }>`
      insert into catalog.products (sku, name, description, price, currency, category, attributes, stock)
      select p.sku, p.name, p.description, p.price, p.currency, p.category, p.attributes::jsonb, p.stock
      from unnest(${s.map((p) => p.sku)}::text[], ${s.map((p) => p.name)}::text[], ${s.map((p) => p.description)}::text[],
        ${s.map((p) => p.price)}::bigint[], ${s.map((p) => p.currency)}::text[], ${s.map((p) => p.category)}::text[],
        ${s.map((p) => JSON.stringify(p.attributes))}::text[], ${s.map((p) => p.stock)}::int[])
        with ordinality as p(sku, name, description, price, currency, category, attributes, stock, n)
      order by p.n
      returning id`.execute(db);
    ids.push(...rows.map((r) => Number(r.id)));
    onBatch(s.length);
  }
  return ids;
}
