import { sql } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { ShardMap } from '../../../platform/sharding/shard-map.js';
import { ProductsStore } from './products.store.js';
import { ReservationsStore } from './reservations.store.js';
import { SearchStore } from './search.store.js';

/** One database's stores. A product and its reservations live on the same shard. */
export interface Shard {
  products: ProductsStore;
  search: SearchStore;
  reservations: ReservationsStore;
}

export function shardOf(database: Database): Shard {
  return { products: new ProductsStore(database), search: new SearchStore(database), reservations: new ReservationsStore(database) };
}

/**
 * Where each product lives: the data layer's shard map (hash of the product id when CATALOG_SHARDS is set,
 * the service's own database when not). Reads by id go to one shard; search, listing and categories ask
 * `all()` and merge (ProductsDomain).
 */
export class CatalogShards {
  private readonly shards: Shard[];

  constructor(private readonly map: ShardMap) {
    this.shards = map.all().map(shardOf);
  }

  async forId(id: number): Promise<Shard> {
    return this.shards[this.shards.length === 1 ? 0 : await this.map.indexFor(id)]!;
  }

  /**
   * The id of a new product and its shard. Sharded, the id comes first (the first shard's sequence hands out
   * ids for all, so they stay unique across shards) and its hash picks the shard; one database assigns its own.
   */
  async forNew(): Promise<{ id: number | undefined; shard: Shard }> {
    if (this.shards.length === 1) return { id: undefined, shard: this.shards[0]! };
    const { rows } = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('catalog.products', 'id'))::bigint as id`.execute(this.shards[0]!.products.db);
    const id = Number(rows[0]!.id);
    return { id, shard: await this.forId(id) };
  }

  all(): readonly Shard[] {
    return this.shards;
  }
}
