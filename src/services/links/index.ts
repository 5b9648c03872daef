import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { openShards } from '../../platform/sharding/open-shards.js';
import { LinkCache } from './data/link-cache.js';
import { LinkShards } from './data/link-shards.js';
import { ClickCounters } from './data/click-counters.js';
import { LinksDomain } from './domain/links.js';
import { hostBlocklist } from './domain/target-safety.js';
import { ClickBatcher } from './analytics/click-batcher.js';
import { openClickStore } from './analytics/open-click-store.js';
import { startArchival } from './analytics/archival.js';
import { createLinksClient } from './links-client.js';
import { linksMigrations } from './migrations.js';
import { linksRoutes } from './routes/links.routes.js';
import { redirectRoutes } from './routes/redirect.routes.js';

/** links: short links (`/:code` at the site root), click counts written behind, click analytics on DuckDB. Owns the `links` schema. */
export const linksService: ServiceModule = {
  name: 'links',
  migrations: linksMigrations,
  create: async ({ config, db, cache, metrics, logger, bus }) => {
    // LINKS_SHARDS: links spread over those databases by the hash of their code (docs/patterns/url-shortener.md);
    // unset, one shard: the service's own database.
    const map = await openShards({ name: 'links', home: db, env: { LINKS_SHARDS: config.LINKS_SHARDS }, migrations: linksMigrations, strategy: 'hash' });
    try {
      const shards = new LinkShards(map);
      // Clicks are summed in memory and added to Postgres in one statement per shard per interval and at shutdown.
      const clicks = new ClickCounters(shards.all(), { flushEveryMs: config.WRITE_BEHIND_FLUSH_MS, batchKeys: config.WRITE_BEHIND_BATCH_KEYS, registry: metrics.registry, logger });
      const analytics = await openClickStore({ dataDir: config.DATA_DIR, blobUrl: config.BLOB_URL });
      const events = new ClickBatcher(analytics, config.WRITE_BEHIND_FLUSH_MS, logger);
      const archival = await startArchival(bus, analytics, { afterDays: config.LINKS_ARCHIVE_AFTER_DAYS, everyMs: config.LINKS_ARCHIVE_EVERY_S * 1000 }, logger);
      const links = new LinksDomain(shards, new LinkCache(shards, cache), hostBlocklist(config.LINKS_BLOCKLIST), clicks, events, analytics);
      return {
        routes: linksRoutes(links, config.LINKS_BASE_URL),
        rootRoutes: redirectRoutes(links),
        client: createLinksClient(links),
        close: async () => {
          await archival.stop();
          await clicks.close();
          await events.close();
          await analytics.close();
          await map.close();
        },
      };
    } catch (err) {
      // A later step failed (the click store's directory, the bus): the shard databases opened above are closed.
      await map.close();
      throw err;
    }
  },
};
