import type { Cache } from '../../../platform/cache/cache.js';
import type { FeedStore } from '../data/feed.store.js';
import type { ViewerFlags } from '../data/viewer-flags.js';

const CELEBRITIES = 'celebrities';

/** Past this many celebrities the set is not cached: the viewer's own query is cheaper than holding it. */
const CELEBRITIES_MAX = 2_000;

/**
 * The celebrities a viewer follows (hybrid merges their articles at read), from two cached sets instead of a
 * query per feed read: the site's celebrities (authors with at least `threshold` followers, few by
 * definition) and the viewer's followings (ViewerFlags). Any follow or unfollow drops the celebrity set,
 * since it may have moved an author across the threshold; a viewer's own follow drops their followings.
 * Without the cache (CACHE_ENABLED=false) each read asks the database once, as before.
 */
export class FollowedCelebrities {
  constructor(
    private readonly store: FeedStore,
    private readonly cache: Cache,
    private readonly flags: ViewerFlags,
    private readonly useCache: boolean,
  ) {}

  async of(viewerId: number, threshold: number): Promise<number[]> {
    if (!Number.isFinite(threshold)) return [];
    if (!this.useCache) return this.store.celebritiesFollowedBy(viewerId, threshold);
    const all = await this.cache.getOrLoad('viewer', `${CELEBRITIES}:${threshold}`, () => this.store.celebrities(threshold, CELEBRITIES_MAX + 1), {
      tags: [CELEBRITIES],
    });
    if (all.length === 0) return [];
    if (all.length > CELEBRITIES_MAX) return this.store.celebritiesFollowedBy(viewerId, threshold);
    const followed = await this.flags.followedAmong(viewerId, all);
    return all.filter((id) => followed.has(id));
  }

  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  /**
   * After any follow or unfollow (an author's follower count moved). A user's removal calls this once per
   * follower: callers that arrive while one invalidation runs share the single one that starts after it,
   * so each caller still waits for an invalidation begun after its write, and at most two run per burst.
   */
  followsChanged(): Promise<void> {
    if (!this.running) {
      this.running = this.cache.invalidateTags([CELEBRITIES]).finally(() => (this.running = undefined));
      return this.running;
    }
    const again = () => {
      this.next = undefined;
      return this.followsChanged();
    };
    this.next ??= this.running.then(again, again);
    return this.next;
  }
}
