import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { Outbox } from '../bus/platform-bus.js';
import { openDatabase } from '../db/open-database.js';
import { runMigrations, type ServiceMigrations } from '../db/migrations.js';
import { ConfigError } from '../config/load-config.js';
import type { ScatterContext, ScatterOptions, Shard, ShardKey, ShardMap, ShardStrategy, StrategyKind } from './shard-map.js';
import { hashStrategy } from './hash-strategy.js';
import { rangeStrategy } from './range-strategy.js';
import { directoryStrategy } from './directory-strategy.js';
import { directoryMigrations } from './directory-table.js';
import { scatterGather } from './scatter-gather.js';
import { envPrefix, readShardConfig, redact } from './shard-config.js';

export interface OpenShardsOptions {
  /** The map's name: `catalog` reads CATALOG_SHARDS, CATALOG_SHARD_STRATEGY, ... (shard-config.ts). */
  name: string;
  /** The service's own Database: the single shard when `<NAME>_SHARDS` is unset, and the directory's home. */
  home: Database;
  /** Where the settings come from (default process.env). */
  env?: Record<string, string | undefined>;
  /** The service's migrations, applied to every shard (idempotent; already applied on `home` by the runtime). */
  migrations?: ServiceMigrations;
  /**
   * The process's outbox (ServiceContext.outbox), attached to every shard this map opens: a write's events
   * commit in the shard's own transaction and a relay per shard publishes them. Needed by any service that
   * emits events from shard writes.
   */
  outbox?: Pick<Outbox, 'attach'>;
  /** Override `<NAME>_SHARD_STRATEGY` (e.g. a service that must have a directory to move keys). */
  strategy?: StrategyKind;
  /** Override `<NAME>_SHARD_RANGES`. */
  ranges?: string[];
}

/**
 * The one file that picks how a service's data is sharded. Without
 * `<NAME>_SHARDS` the map has one shard, the service's own Database (PGlite
 * included), so code written against a ShardMap runs unchanged embedded.
 */
export async function openShards(options: OpenShardsOptions): Promise<ShardMap> {
  const config = readShardConfig(options.name, options.env ?? process.env);
  const strategyKind = options.strategy ?? config.strategy;
  const ranges = options.ranges ?? config.ranges;

  const opened: Database[] = [];
  const detach: (() => Promise<void>)[] = [];
  // Relays stop before their databases close.
  const closeOpened = async () => {
    await Promise.all(detach.map((stop) => stop()));
    await Promise.all(opened.map((db) => db.close()));
  };
  try {
    const shards: Shard[] =
      config.urls.length === 0
        ? [{ index: 0, label: 'default', db: options.home }]
        : await Promise.all(
            config.urls.map(async (url, index) => {
              const db = await openDatabase({ url, dataDir: 'memory://', poolMax: config.poolMax });
              opened.push(db);
              return { index, label: redact(url), db };
            }),
          );
    if (options.outbox) for (const db of opened) detach.push(await options.outbox.attach(db));
    if (options.migrations) for (const shard of shards) await runMigrations(shard.db, [options.migrations]);

    let strategy: ShardStrategy;
    if (strategyKind === 'hash') strategy = hashStrategy(shards.length);
    else if (strategyKind === 'range') {
      try {
        strategy = rangeStrategy(ranges, shards.length);
      } catch (err) {
        throw new ConfigError(`invalid configuration:\n  ${envPrefix(options.name)}_SHARD_RANGES: ${(err as Error).message}`);
      }
    } else {
      await runMigrations(options.home, [directoryMigrations]);
      strategy = directoryStrategy(options.home, options.name, shards.length);
    }
    return createShardMap(options.name, shards, strategy, closeOpened);
  } catch (err) {
    await closeOpened().catch(() => {});
    throw err;
  }
}

/** A ShardMap over already-open shards (tests and benches build maps by hand with it). */
export function createShardMap(name: string, shards: readonly Shard[], strategy: ShardStrategy, close: () => Promise<void> = async () => {}): ShardMap {
  const at = (index: number): Shard => {
    const shard = shards[index];
    if (!shard) throw new Error(`shard map ${name}: key routed to shard ${index}, but there are ${shards.length}`);
    return shard;
  };

  /** `fn` in a transaction on `shard`, or inside the directory's home transaction when the shard is that same Database. */
  const inTransaction = async <Tables, T>(shard: Shard, home: { db: Database; trx: Transaction<unknown> } | undefined, fn: (trx: Transaction<Tables>) => Promise<T>): Promise<T> =>
    home && home.db === shard.db
      ? fn(home.trx as unknown as Transaction<Tables>)
      : (shard.db.as<Tables>() as Kysely<Tables>).transaction().execute(fn);

  return {
    name,
    strategy: strategy.kind,
    shards,
    indexFor: (key: ShardKey) => strategy.shardIndex(key),
    shardFor: async (key: ShardKey) => at(await strategy.shardIndex(key)).db,
    all: () => shards.map((s) => s.db),
    shardsForSpan: (from, to) => strategy.shardsForSpan?.(from, to) ?? shards.map((s) => s.index),
    write: <Tables, T>(key: ShardKey, fn: (trx: Transaction<Tables>) => Promise<T>) =>
      strategy.write(key, async ({ owner, mirror, homeTransaction }) => {
        const source = at(owner);
        if (mirror === undefined || mirror === owner) return inTransaction(source, homeTransaction, fn);
        const target = at(mirror);
        // The owner's transaction stays open (its row locks held) until the mirror has committed, so the move's
        // copier, which reads the owner's rows FOR SHARE, sees either both writes or neither (move-key.ts).
        return inTransaction<Tables, T>(source, homeTransaction, async (trx) => {
          const result = await fn(trx);
          await inTransaction(target, homeTransaction, fn);
          return result;
        });
      }),
    scatterGather: <Row, C = Row>(query: (db: Database, context: ScatterContext<C>) => Promise<Row[]>, options: ScatterOptions<Row, C>) =>
      scatterGather(shards, query, options),
    close,
  };
}
