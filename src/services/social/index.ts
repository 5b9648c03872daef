import { IDENTITY, type IdentityClient } from '../../contracts/identity.js';
import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { ArticleCache } from './data/article-cache.js';
import { ArticleViews } from './data/article-views.js';
import { ArticleViewsStore } from './data/article-views.store.js';
import { ArticlesStore } from './data/articles.store.js';
import { CommentsStore } from './data/comments.store.js';
import { FeedStore } from './data/feed.store.js';
import { FollowsStore } from './data/follows.store.js';
import { ViewerFlags } from './data/viewer-flags.js';
import { ArticlesDomain } from './domain/articles.js';
import { AuthorDirectory } from './domain/authors.js';
import { CommentsDomain } from './domain/comments.js';
import { ProfilesDomain } from './domain/profiles.js';
import { consumeUserDeletions } from './domain/user-removal.js';
import { openFeed } from './feed/open-feed.js';
import { CelebrityHeads } from './feed/celebrity-heads.js';
import { FollowedCelebrities } from './feed/followed-celebrities.js';
import { socialMigrations } from './migrations.js';
import { articlesRoutes } from './routes/articles.routes.js';
import { commentsRoutes } from './routes/comments.routes.js';
import { profilesRoutes } from './routes/profiles.routes.js';
import { exportRoutes } from './routes/export.routes.js';
import { UserExport } from './domain/user-export.js';

/** social: the RealWorld "Conduit" API. Owns the `social` schema; reads profiles through identity's client. */
export const socialService: ServiceModule = {
  name: 'social',
  migrations: socialMigrations,
  create: async ({ config, db, clients, cache, metrics, logger, bus, outbox, switches }) => {
    const identity = clients.get<IdentityClient>(IDENTITY);
    const articlesStore = new ArticlesStore(db);
    const followsStore = new FollowsStore(db);
    // Each viewer's favorites and followings, cached: what makes a signed-in page an anonymous one plus set lookups.
    const flags = new ViewerFlags(articlesStore, followsStore, cache, config.CACHE_ENABLED);
    const feedStore = new FeedStore(db);
    const celebrities = new FollowedCelebrities(feedStore, cache, flags, config.CACHE_ENABLED);
    const heads = new CelebrityHeads(feedStore, cache, config.CACHE_ENABLED);
    const feed = await openFeed({ config, articles: articlesStore, feedStore, bus, metrics, logger, switches, celebrities, heads });
    const authors = new AuthorDirectory(identity, flags);
    // A user's data export is slow work: 202 Accepted, built by this worker, read back by its owner.
    const userExport = new UserExport(db, articlesStore, outbox);
    const exportWorker = await userExport.work(bus);

    // Write-behind: views are summed in memory, appended to their log every interval, folded into the articles less often.
    const views = new ArticleViews(new ArticleViewsStore(db), {
      flushEveryMs: config.WRITE_BEHIND_FLUSH_MS,
      foldEveryMs: config.ARTICLE_VIEWS_FOLD_MS,
      registry: metrics.registry,
      logger,
    });

    const articleCache = new ArticleCache(articlesStore, cache, identity, !config.CACHE_ENABLED);
    const articles = new ArticlesDomain(articlesStore, articleCache, identity, feed, views, outbox, flags);
    const profiles = new ProfilesDomain(identity, followsStore, feed, flags, outbox);
    const comments = new CommentsDomain(new CommentsStore(db), articlesStore, authors, outbox);
    const userDeletions = await consumeUserDeletions({ bus, db: articlesStore.db, outbox, articles: articleCache, flags, feed, logger });

    return {
      routes: async (app) => {
        await app.register(profilesRoutes(profiles));
        await app.register(articlesRoutes(articles));
        await app.register(commentsRoutes(comments));
        await app.register(exportRoutes(userExport));
      },
      close: async () => {
        await userDeletions.stop();
        await feed.close?.();
        await views.close();
        await exportWorker.stop();
      },
    };
  },
};
