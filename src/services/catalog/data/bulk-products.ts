import { sql } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { ShardMap } from '../../../platform/sharding/shard-map.js';
import { categoryName, type NewProduct } from './products.store.js';

/**
 * Inserts many products, one statement per batch (unnest of column arrays): how `scalestack seed --catalog`
 * writes 100,000 products in seconds. Categories are created first. No events: a seed is not a change anyone
 * subscribed to. Returns the ids in order. `ids` (one per product) are written instead of the table's sequence
 * (a sharded catalog's ids come from its first shard, see CatalogShards.forNew).
 */
export async function insertProductsInBulk(
  database: Database,
  products: readonly NewProduct[],
  onBatch: (n: number) => void = () => {},
  batch = 2000,
  ids?: readonly number[],
): Promise<number[]> {
  const db = database.as<object>();
  const slugs = [...new Set(products.map((p) => p.category))];
  if (slugs.length > 0) {
    await sql`insert into catalog.categories (slug, name) select * from unnest(${slugs}::text[], ${slugs.map(categoryName)}::text[])
      on conflict (slug) do nothing`.execute(db);
  }
  if (ids !== undefined && ids.length !== products.length) throw new Error(`insertProductsInBulk: ${ids.length} ids for ${products.length} products`);
  const written: number[] = [];
  for (let i = 0; i < products.length; i += batch) {
    const s = products.slice(i, i + batch);
    // Without ids, a null per row: coalesce takes the sequence's next value, in the same order.
    const given = ids ? ids.slice(i, i + batch) : s.map(() => null);
    const { rows } = await sql<{ id: number }>`
      insert into catalog.products (id, sku, name, description, price, currency, category, attributes, stock)
      select coalesce(p.id, nextval(pg_get_serial_sequence('catalog.products', 'id'))), p.sku, p.name, p.description, p.price, p.currency,
        p.category, p.attributes::jsonb, p.stock
      from unnest(${given}::bigint[], ${s.map((p) => p.sku)}::text[], ${s.map((p) => p.name)}::text[], ${s.map((p) => p.description)}::text[],
        ${s.map((p) => p.price)}::bigint[], ${s.map((p) => p.currency)}::text[], ${s.map((p) => p.category)}::text[],
        ${s.map((p) => JSON.stringify(p.attributes))}::text[], ${s.map((p) => p.stock)}::int[])
        with ordinality as p(id, sku, name, description, price, currency, category, attributes, stock, n)
      order by p.n
      returning id`.execute(db);
    written.push(...rows.map((r) => Number(r.id)));
    onBatch(s.length);
  }
  return written;
}

/**
 * insertProductsInBulk on the catalog's shard map: on one database, as above; sharded, every id is taken from the
 * first shard's sequence (as CatalogShards.forNew does for one product) and each product is written on the shard
 * its id hashes to, so reads by id find it where the running service looks. Returns the ids in order.
 */
export async function insertProductsOnShards(map: ShardMap, products: readonly NewProduct[], onBatch: (n: number) => void = () => {}): Promise<number[]> {
  const shards = map.all();
  if (shards.length === 1) return insertProductsInBulk(shards[0]!, products, onBatch);
  const { rows } = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('catalog.products', 'id'))::bigint as id
    from generate_series(1, ${products.length}::int) order by 1`.execute(shards[0]!.as<object>());
  const ids = rows.map((r) => Number(r.id));
  const perShard = shards.map(() => ({ products: [] as NewProduct[], ids: [] as number[] }));
  for (const [i, id] of ids.entries()) {
    const part = perShard[await map.indexFor(id)]!;
    part.products.push(products[i]!);
    part.ids.push(id);
  }
  for (const [i, part] of perShard.entries()) await insertProductsInBulk(shards[i]!, part.products, onBatch, 2000, part.ids);
  return ids;
}
