import type { Registry } from 'prom-client';
import { WriteBehindCounter } from '../../../platform/cache/write-behind.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { LinkShard } from './link-shards.js';

/**
 * Click counts written behind: summed in memory per link and added to
 * `links.clicks` once per interval (in batches) and at shutdown, one counter
 * per shard (ids are unique within a shard only). Metrics label: `link_clicks`,
 * or `link_clicks_<shard>` when sharded.
 */
export class ClickCounters {
  private readonly counters: WriteBehindCounter[];

  constructor(shards: readonly LinkShard[], options: { flushEveryMs: number; batchKeys: number; registry: Registry; logger: Logger }) {
    this.counters = shards.map(
      (shard) =>
        new WriteBehindCounter({
          name: shards.length === 1 ? 'link_clicks' : `link_clicks_${shard.index}`,
          flushEveryMs: options.flushEveryMs,
          batchKeys: options.batchKeys,
          flush: (batch) => shard.store.addClicks(batch),
          registry: options.registry,
          logger: options.logger,
        }),
    );
  }

  increment(shard: number, linkId: number): void {
    this.counters[shard]!.increment(linkId);
  }

  async close(): Promise<void> {
    await Promise.all(this.counters.map((c) => c.close()));
  }
}
