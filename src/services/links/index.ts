import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { WriteBehindCounter } from '../../platform/cache/write-behind.js';
import { LinkCache } from './data/link-cache.js';
import { LinksStore } from './data/links.store.js';
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
    const store = new LinksStore(db);
    // Clicks are summed in memory and added to Postgres in one statement per interval and at shutdown.
    const clicks = new WriteBehindCounter({
      name: 'link_clicks',
      flushEveryMs: config.WRITE_BEHIND_FLUSH_MS,
      flush: (batch) => store.addClicks(batch),
      registry: metrics.registry,
      logger,
    });
    const analytics = await openClickStore(config.DATA_DIR);
    const events = new ClickBatcher(analytics, config.WRITE_BEHIND_FLUSH_MS, logger);
    const archival = await startArchival(bus, analytics, { afterDays: config.LINKS_ARCHIVE_AFTER_DAYS, everyMs: config.LINKS_ARCHIVE_EVERY_S * 1000 }, logger);
    const links = new LinksDomain(store, new LinkCache(store, cache), hostBlocklist(config.LINKS_BLOCKLIST), clicks, events, analytics);
    return {
      routes: linksRoutes(links, config.LINKS_BASE_URL),
      rootRoutes: redirectRoutes(links),
      client: createLinksClient(links),
      close: async () => {
        await archival.stop();
        await clicks.close();
        await events.close();
        await analytics.close();
      },
    };
  },
};
