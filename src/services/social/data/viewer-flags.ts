import type { Cache } from '../../../platform/cache/cache.js';
import type { ArticlesStore, ViewerFlagSets } from './articles.store.js';
import type { FollowsStore } from './follows.store.js';

/**
 * Above this many favorites (or followings) a viewer's set is not cached:
 * the page's own query is cheaper than loading and holding a huge set.
 */
export const VIEWER_SET_MAX = 2_000;

/** What is cached per viewer (JSON-safe): ids, or null when the viewer has more than VIEWER_SET_MAX. */
interface ViewerEntry {
  favorites: number[] | null;
  following: number[] | null;
}

interface ViewerSets {
  favorites: ReadonlySet<number> | null;
  following: ReadonlySet<number> | null;
}

const UNCACHED: ViewerSets = { favorites: null, following: null };

const noFlags = (): ViewerFlagSets => ({ favorited: new Set(), following: new Set() });

/**
 * A viewer's flags (favorited, following) from one cached entry per viewer
 * (`viewer:<id>`): the articles they favorited and the authors they follow.
 * A signed-in page is then the anonymous cached page plus set lookups, not
 * two queries. Every write of a favorite or a follow calls `changed` for the
 * writer before answering (the bus drops other instances' copies; a fill
 * racing the write is not kept, see Cache). Deleted articles and users can
 * stay in a set until it expires: their ids are never reused, so they match
 * nothing.
 */
export class ViewerFlags {
  /** Sets built from a cached entry, per entry object: the near cache hands out the same object while it is fresh. */
  private readonly built = new WeakMap<ViewerEntry, ViewerSets>();
  /** The lookups running now, by viewer (see sets). */
  private readonly lookups = new Map<number, Promise<ViewerSets>>();

  constructor(
    private readonly articles: ArticlesStore,
    private readonly follows: FollowsStore,
    private readonly cache: Cache,
    /** False when the cache is off (CACHE_ENABLED=false): then a whole set per request would cost more than the page's own query. */
    private readonly useSets = true,
  ) {}

  /**
   * A page's flags at once: of `articleIds` those `viewerId` favorited, of `authorIds` those they follow.
   * From the cached sets when there are; otherwise one statement for both (ArticlesStore.viewerFlags).
   */
  async among(viewerId: number | null, articleIds: readonly number[], authorIds: readonly number[]): Promise<ViewerFlagSets> {
    if (viewerId === null || (articleIds.length === 0 && authorIds.length === 0)) return noFlags();
    return this.of(viewerId)(articleIds, authorIds);
  }

  /**
   * `among` for one viewer, their sets loading from now on: a caller that learns the page's ids only after a
   * round trip of its own (the feed) starts this first, and a reader's first read in a while waits for the
   * two misses side by side instead of one after the other.
   */
  of(viewerId: number): (articleIds: readonly number[], authorIds: readonly number[]) => Promise<ViewerFlagSets> {
    const loading = this.sets(viewerId);
    // Handled where it is awaited; a page that failed before asking must not leave an unhandled rejection behind.
    loading.catch(() => undefined);
    return async (articleIds, authorIds) => {
      if (articleIds.length === 0 && authorIds.length === 0) return noFlags();
      const { favorites, following } = await loading;
      if (!favorites || !following) return this.articles.viewerFlags(viewerId, articleIds, authorIds);
      return { favorited: new Set(articleIds.filter((id) => favorites.has(id))), following: new Set(authorIds.filter((id) => following.has(id))) };
    };
  }

  /** Of `authorIds`, those `viewerId` follows. */
  async followedAmong(viewerId: number | null, authorIds: readonly number[]): Promise<Set<number>> {
    if (viewerId === null || authorIds.length === 0) return new Set();
    const { following } = await this.sets(viewerId);
    return following ? new Set(authorIds.filter((id) => following.has(id))) : this.follows.followedAmong(viewerId, authorIds);
  }

  /** After the viewer favorited, unfavorited, followed or unfollowed (or was deleted): their next read loads afresh. */
  async changed(viewerId: number): Promise<void> {
    // A lookup begun before the write may bring the old sets: later reads must not join it.
    this.lookups.delete(viewerId);
    await this.cache.delete('viewer', String(viewerId));
  }

  /**
   * One lookup per viewer at a time: a feed read asks for the sets twice at once (its flags, and the hybrid
   * feed's followed celebrities). The cache would share the load from Postgres, but each ask would still look
   * in the near cache and Redis and count a miss of its own (the feed bench's viewer misses doubled).
   */
  private sets(viewerId: number): Promise<ViewerSets> {
    if (!this.useSets) return Promise.resolve(UNCACHED);
    let lookup = this.lookups.get(viewerId);
    if (!lookup) {
      const running = this.lookUp(viewerId).finally(() => {
        if (this.lookups.get(viewerId) === running) this.lookups.delete(viewerId);
      });
      this.lookups.set(viewerId, running);
      lookup = running;
    }
    return lookup;
  }

  private async lookUp(viewerId: number): Promise<ViewerSets> {
    // The batch path with one key, not getOrLoad: a batch fill checks for an overlapping write right behind its
    // store, where getOrLoad's waits for the store's reply first (platform/cache/bento-cache.ts). This miss is
    // what a reader's first feed read in a while waits on, so it gets the path with one Redis round trip less.
    const key = String(viewerId);
    const entry = (await this.cache.getManyOrLoad('viewer', [key], async () => new Map([[key, await this.load(viewerId)]]))).get(key)!;
    let sets = this.built.get(entry);
    if (!sets) {
      sets = { favorites: entry.favorites && new Set(entry.favorites), following: entry.following && new Set(entry.following) };
      this.built.set(entry, sets);
    }
    return sets;
  }

  private async load(viewerId: number): Promise<ViewerEntry> {
    // One more than the bound tells "over it" from "exactly at it".
    const { favorites, following } = await this.articles.viewerSets(viewerId, VIEWER_SET_MAX + 1);
    const bounded = (ids: number[]) => (ids.length > VIEWER_SET_MAX ? null : ids);
    return { favorites: bounded(favorites), following: bounded(following) };
  }
}
