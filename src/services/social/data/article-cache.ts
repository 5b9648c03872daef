import { PROFILES_CACHE_TAG, type IdentityClient, type UserProfile } from '../../../contracts/identity.js';
import type { Cache } from '../../../platform/cache/cache.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { ArticleFilter, ArticleRecord, ArticlesStore, ArticleSummary, Page, ViewerFlagSets } from './articles.store.js';

/** Every list page carries it: any article write but a publish drops every page. */
const LISTS = 'lists';

const ALL_PAGES = 'lists:all';
const authorPages = (authorId: number) => `lists:author:${authorId}`;
const tagPages = (tag: string) => `lists:tag:${tag}`;

/**
 * The tag a page carries besides LISTS: what a new article drops for the page to show it (see `published`).
 * Its author's pages (whatever else they filter on), else its tags' pages, else the unfiltered ones. Favorited-by
 * pages have none: nobody has favorited an article yet when it is published.
 */
function publishTag(filter: ArticleFilter): string | undefined {
  if (filter.authorId !== undefined) return authorPages(filter.authorId);
  if (filter.favoritedBy !== undefined) return undefined;
  if (filter.tag !== undefined) return tagPages(filter.tag);
  return ALL_PAGES;
}

function pageTags(filter: ArticleFilter): string[] {
  const narrow = publishTag(filter);
  return narrow === undefined ? [LISTS, PROFILES_CACHE_TAG] : [LISTS, PROFILES_CACHE_TAG, narrow];
}

/**
 * Cache-aside reads of articles: records by slug and summaries (no body) by id (`article:`),
 * list pages with their summaries (`list:`, tagged "lists" and by what a publish can change, `pageTags`)
 * and the tag cloud (`tags:all`). Every article write calls `published` or `changed`, before answering, so the writer's
 * next read (in any instance: the bus drops L1 copies) is fresh.
 * Misses are never cached: an unknown slug may be created a moment later.
 *
 * With the cache off (`flagsInline`), a signed-in read asks for the viewer's flags (favorited, following) in
 * the article statement itself and hands them back with the records: nothing is cached then, so a separate
 * statement for the flags (ViewerFlags) would only be one more round trip per request. With the cache on,
 * entries are shared by every viewer and carry no flags; the viewer's come from ViewerFlags' sets.
 */
export class ArticleCache {
  constructor(
    private readonly store: ArticlesStore,
    private readonly cache: Cache,
    private readonly identity: IdentityClient,
    /** True when the cache is off (CACHE_ENABLED=false): signed-in reads carry the viewer's flags, see above. */
    readonly flagsInline = false,
  ) {}

  /** One loader per slug however many requests ask at once (stampede protection); `flags` when read inline. */
  async bySlug(slug: string, viewerId: number | null = null): Promise<{ record: ArticleRecord; flags?: ViewerFlagSets }> {
    if (this.flagsInline && viewerId !== null) {
      const found = await this.store.flaggedRecordBySlug(slug, viewerId);
      if (!found) throw errors.notFound('article');
      const { record, flags } = found;
      return {
        record,
        flags: { favorited: new Set(flags.favorited ? [record.id] : []), following: new Set(flags.following ? [record.authorId] : []) },
      };
    }
    const record = await this.cache.getOrLoad('article', `slug:${slug}`, async () => {
      const loaded = await this.store.recordBySlug(slug);
      if (!loaded) throw errors.notFound('article');
      return loaded;
    });
    return { record };
  }

  /**
   * Summaries in the order of `ids` (the feed's page: no body, as in every list); all misses loaded in one query.
   * `flags` when read inline.
   */
  async byIds(ids: readonly number[], viewerId: number | null = null): Promise<{ records: ArticleSummary[]; flags?: ViewerFlagSets }> {
    if (this.flagsInline && viewerId !== null) return this.store.flaggedSummariesByIds(ids, viewerId);
    const found = await this.cache.getManyOrLoad<ArticleSummary>('article', ids.map((id) => `id:${id}`), async (missing) => {
      const loaded = await this.store.summariesByIds(missing.map((key) => Number(key.slice('id:'.length))));
      return new Map(loaded.map((r) => [`id:${r.id}`, r]));
    });
    return { records: ids.flatMap((id) => found.get(`id:${id}`) ?? []) };
  }

  /**
   * A new article's record, read from Postgres once: its summary (what every follower's feed shows) is cached
   * from the same row, so their first reads find it instead of each loading it. A fill like any other, so a write
   * that lands during the read drops it again. When the summary was cached already (a reader got there first),
   * the record is read on its own.
   */
  async fresh(id: number): Promise<ArticleRecord | undefined> {
    let record: ArticleRecord | undefined;
    await this.cache.getManyOrLoad<ArticleSummary>('article', [`id:${id}`], async () => {
      record = await this.store.recordById(id);
      if (!record) return new Map();
      const { body: _body, ...summary } = record;
      return new Map([[`id:${id}`, summary]]);
    });
    return record ?? this.store.recordById(id);
  }

  /**
   * A list page with its records and its authors' profiles in one entry: one cache read per page
   * instead of one per article and one per author (a cached page was ~17 cache operations, and
   * bentocache's per-operation cost was most of its CPU). Safe because every article write drops every
   * page it can change (`published`: the pages a new article is on; `changed`: all, tag "lists") and
   * identity drops them all on any profile change (PROFILES_CACHE_TAG).
   */
  async page(
    filter: ArticleFilter,
    page: Page,
    viewerId: number | null = null,
  ): Promise<{ records: ArticleSummary[]; total: number; authors: UserProfile[]; flags?: ViewerFlagSets }> {
    if (this.flagsInline && viewerId !== null) {
      const { records, total, flags } = await this.store.findPage(filter, page, viewerId);
      const authors = await this.identity.usersByIds(records.map((r) => r.authorId));
      return { records, total, authors: [...authors.values()], flags };
    }
    const key = `${filter.tag ?? ''}|${filter.authorId ?? ''}|${filter.favoritedBy ?? ''}|${page.limit}|${page.offset}`;
    return this.cache.getOrLoad(
      'list',
      key,
      async () => {
        const { records, total } = await this.store.findPage(filter, page);
        const authors = await this.identity.usersByIds(records.map((r) => r.authorId));
        return { records, total, authors: [...authors.values()] };
      },
      { tags: pageTags(filter) },
    );
  }

  async tags(): Promise<string[]> {
    return this.cache.getOrLoad('tags', 'all', () => this.store.tagsInUse());
  }

  /**
   * After a new article: only the pages it appears on change, the unfiltered ones, its author's and its tags'
   * (their pages shift by one and their counts grow); every other author's and tag's pages stay cached. Before,
   * each publish dropped every page in the system, so at a few posts a second almost no list read was a hit.
   * Its own records are not dropped: nothing can be cached under them yet. A read before the commit found no
   * article, and absence is not cached; a read after it loaded the committed row. (A slug that another article
   * had was dropped when that article was deleted or renamed.) Those two drops were 12 of an untagged publish's
   * 32 Redis commands.
   */
  async published(authorId: number, tags: readonly string[]): Promise<void> {
    await Promise.all([
      ...(tags.length > 0 ? [this.cache.delete('tags', 'all')] : []),
      this.cache.invalidateTags([ALL_PAGES, authorPages(authorId), ...tags.map(tagPages)]),
    ]);
  }

  /** After any other write to an article (or its favorites): drop its records, every list page and the tag cloud. */
  async changed(id: number, slugs: readonly string[]): Promise<void> {
    await Promise.all([
      this.cache.delete('article', `id:${id}`),
      ...slugs.map((slug) => this.cache.delete('article', `slug:${slug}`)),
      this.cache.delete('tags', 'all'),
      this.cache.invalidateTags([LISTS]),
    ]);
  }
}
