import type { ShardMap } from '../../../platform/sharding/shard-map.js';
import { LinksStore } from './links.store.js';

/** A code's shard: its position in LINKS_SHARDS and the store of its database. */
export interface LinkShard {
  index: number;
  store: LinksStore;
}

/**
 * Where each link lives: the data layer's shard map, hash of the short code
 * (LINKS_SHARDS), or the service's own database when unset. Every query of a
 * link carries its code, so every read and write goes to exactly one shard;
 * the unique index on `code` per shard is enough, since a code can only ever
 * be placed on one shard. Ids are per shard: a link is (shard, id).
 */
export class LinkShards {
  private readonly shards: LinkShard[];

  constructor(private readonly map: ShardMap) {
    this.shards = map.all().map((db, index) => ({ index, store: new LinksStore(db) }));
  }

  async of(code: string): Promise<LinkShard> {
    return this.shards[this.shards.length === 1 ? 0 : await this.map.indexFor(code)]!;
  }

  /** The code's shard when it is known without asking (one database); undefined: use of(). */
  known(): LinkShard | undefined {
    return this.shards.length === 1 ? this.shards[0] : undefined;
  }

  all(): readonly LinkShard[] {
    return this.shards;
  }
}
