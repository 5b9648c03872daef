import type { Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { ShardKey, ShardStrategy, WriteTargets } from './shard-map.js';
import type { DirectoryTables } from './directory-table.js';
import { hashIndex } from './hash-strategy.js';
import { keyText } from './key-text.js';

/**
 * Directory sharding: a lookup table (platform.shard_directory, in the
 * service's own Database) says which shard owns each key, so any key can be
 * moved to any shard online (`scalestack shard move`, move-key.ts) and a hot
 * tenant can get a shard to itself. A key seen for the first time is placed by
 * jump hash and recorded on its first write. Cost: one indexed lookup on the
 * home database per routing, and writes hold a share lock on the key's entry
 * (in a home transaction) for their duration, which is what lets a move's
 * cut-over wait for in-flight writes and be sure no write goes to the old shard.
 */
export function directoryStrategy(home: Database, map: string, shardCount: number): ShardStrategy {
  const db = home.as<DirectoryTables>();
  return {
    kind: 'directory',
    shardIndex: async (key) => {
      const row = await db
        .selectFrom('platform.shard_directory')
        .select('shard')
        .where('map', '=', map)
        .where('key', '=', keyText(key))
        .executeTakeFirst();
      return row ? row.shard : hashIndex(key, shardCount);
    },
    write: async <T>(key: ShardKey, apply: (t: WriteTargets) => Promise<T>) =>
      db.transaction().execute(async (trx) => {
        const entry = await lockEntry(trx, map, keyText(key), hashIndex(key, shardCount));
        return apply({
          owner: entry.shard,
          mirror: entry.moving_to ?? undefined,
          homeTransaction: { db: home, trx: trx as unknown as Transaction<unknown> },
        });
      }),
  };
}

/** Records the key if new (placed at `place`) and takes a share lock on its entry until the transaction ends. */
async function lockEntry(trx: Transaction<DirectoryTables>, map: string, key: string, place: number) {
  await trx
    .insertInto('platform.shard_directory')
    .values({ map, key, shard: place, moving_to: null, stale_on: null })
    .onConflict((oc) => oc.columns(['map', 'key']).doNothing())
    .execute();
  return trx
    .selectFrom('platform.shard_directory')
    .select(['shard', 'moving_to'])
    .where('map', '=', map)
    .where('key', '=', key)
    .forShare()
    .executeTakeFirstOrThrow();
}
