import type { Kysely } from 'kysely';
import { USER_DELETED, UserDeletedEvent } from '../../../contracts/identity.js';
import { forgetJobsOf } from '../../../platform/bus/accepted.js';
import { applyOnce } from '../../../platform/bus/inbox.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import type { Bus, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { ArticleCache } from '../data/article-cache.js';
import type { ViewerFlags } from '../data/viewer-flags.js';
import type { SocialTables } from '../data/tables.js';
import { removeUserContent } from '../data/user-content.store.js';
import type { FeedStrategy } from '../feed/feed-strategy.js';
import { ARTICLE_DELETED, articleEvent } from './article-events.js';
import { USER_EXPORT_QUEUE } from './user-export.js';

const CONSUMER = 'social-user-deleted';

/**
 * When identity deletes a user (event USER_DELETED), social removes what the
 * user left: articles, comments, favorites, follows, feed activity, exports, in one
 * transaction recorded in the inbox (a redelivery changes nothing). Each
 * removed article gets its own ARTICLE_DELETED event, so fan-out takes it out
 * of followers' timelines as for any deletion; the caches drop what changed.
 */
export async function consumeUserDeletions(deps: {
  bus: Bus;
  db: Kysely<SocialTables>;
  outbox: Outbox;
  articles: ArticleCache;
  flags: ViewerFlags;
  feed: FeedStrategy;
  logger: Logger;
}): Promise<Subscription> {
  const { bus, db, outbox, articles, flags, feed, logger } = deps;
  return bus.subscribe<UserDeletedEvent>(
    USER_DELETED,
    CONSUMER,
    async ({ id, payload }) => {
      let removed: Awaited<ReturnType<typeof removeUserContent>> | undefined;
      const applied = await applyOnce(db, CONSUMER, id, async (trx) => {
        removed = await removeUserContent(trx, payload.userId);
        // Their exports (copies of their articles) go with them.
        await forgetJobsOf(trx, USER_EXPORT_QUEUE, String(payload.userId));
        const events = removed.articles.map((a) =>
          articleEvent(ARTICLE_DELETED, { articleId: a.id, authorId: payload.userId, publishedAt: a.createdAt.getTime() }),
        );
        if (events.length > 0) await outbox.add<SocialTables>(trx, events);
      });
      if (!applied || !removed) return;
      outbox.wake();
      await Promise.all([...removed.articles, ...removed.unfavorited].map((a) => articles.changed(a.id, [a.slug])));
      await Promise.all([flags.changed(payload.userId), feed.onArticlesChanged?.(payload.userId)]);
      // Timelines built from follows that are gone: the user's own, and their followers' (which hold the
      // user's articles; fan-out of the deletions cannot reach them, the follows being gone). Rebuilt on next read.
      for (const ids of chunks([payload.userId, ...removed.followers], 200)) await Promise.all(ids.map((id) => feed.onFollowChanged?.(id)));
      logger.info({ userId: payload.userId, articles: removed.articles.length }, 'social: removed a deleted user\'s content');
    },
    { schema: UserDeletedEvent },
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
