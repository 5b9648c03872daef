import type { Database } from '../../../platform/db/database.js';
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
 * Where each product lives. One database today: every id maps to it, and reads of many (search, listing,
 * categories) ask `all()` and merge, so spreading the catalog over N databases changes only this class.
 */
export class CatalogShards {
  private readonly shards: Shard[];

  constructor(databases: readonly Database[]) {
    if (databases.length === 0) throw new Error('the catalog needs at least one database');
    this.shards = databases.map(shardOf);
  }

  forId(_id: number): Shard {
    return this.shards[0]!;
  }

  /** The shard a new product goes to. */
  forNew(): Shard {
    return this.shards[0]!;
  }

  all(): readonly Shard[] {
    return this.shards;
  }
}
