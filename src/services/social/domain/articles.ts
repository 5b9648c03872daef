import type { Transaction } from 'kysely';
import { errors } from '../../../platform/errors/catalog.js';
import type { IdentityClient, UserProfile } from '../../../contracts/identity.js';
import type { ArticleCache } from '../data/article-cache.js';
import type { ViewerFlags } from '../data/viewer-flags.js';
import type { ArticleFields, ArticleFilter, ArticleRecord, ArticlesStore, ArticleSummary, Page, ViewerFlagSets } from '../data/articles.store.js';
import type { FeedStrategy } from '../feed/feed-strategy.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import { ARTICLE_DELETED, ARTICLE_PUBLISHED, articleEvent } from './article-events.js';
import { ARTICLE_FAVORITED, type ArticleFavoritedEvent } from '../../../contracts/social.js';
import type { SocialTables } from '../data/tables.js';
import { canonicalTag, checkArticleInput, normalizeTags, type ArticleInput } from './article-input.js';
import { DELETED_AUTHOR, profileViews } from './authors.js';
import { slugify, suffixed } from './slug.js';
import type { ArticleList, ArticleView } from './views.js';

export interface ListQuery extends Page {
  tag?: string | undefined;
  author?: string | undefined;
  favorited?: string | undefined;
}

/** Counts a read of an article; buffered and written behind (see WriteBehindCounter). */
export type ViewCounter = { increment(articleId: number): void };

const UNIQUE_VIOLATION = '23505';

/** Articles: publishing, editing, listing, favorites, and the home feed. Knows nothing of HTTP. */
export class ArticlesDomain {
  constructor(
    private readonly store: ArticlesStore,
    private readonly cached: ArticleCache,
    private readonly identity: IdentityClient,
    private readonly feed: FeedStrategy,
    private readonly views: ViewCounter,
    private readonly outbox: Outbox,
    private readonly flags: ViewerFlags,
  ) {}

  async create(authorId: number, input: ArticleInput): Promise<ArticleView> {
    checkArticleInput(input, 'create');
    const fields = { title: input.title!, description: input.description!, body: input.body! };
    const tags = normalizeTags(input.tagList ?? []);
    const id = await this.store.db.transaction().execute(async (trx) => {
      const article = await this.insertWithFreeSlug(trx, authorId, fields, tags);
      const event = { articleId: article.id, authorId, publishedAt: article.createdAt.getTime() };
      await this.outbox.add<SocialTables>(trx, [articleEvent(ARTICLE_PUBLISHED, event)]);
      return article.id;
    });
    // Fan-out (push/hybrid) starts from the event; the response does not wait for it.
    this.outbox.wake();
    await Promise.all([this.cached.published(authorId, tags), this.feed.onArticlesChanged?.(authorId)]);
    // The summary every follower's feed will show is cached from the answer's row: not loaded by each of their first reads.
    return this.view(await this.cached.fresh(id), authorId);
  }

  async get(slug: string, viewerId: number | null): Promise<ArticleView> {
    const { record, flags } = await this.cached.bySlug(slug, viewerId);
    this.views.increment(record.id);
    const [view] = await this.hydrate([record], viewerId, undefined, flags);
    return view!;
  }

  async update(slug: string, viewerId: number, input: ArticleInput): Promise<ArticleView> {
    checkArticleInput(input, 'update');
    const key = await this.ownedKey(slug, viewerId);
    const fields: Partial<ArticleFields> = {};
    if (input.title !== undefined) fields.title = input.title;
    if (input.description !== undefined) fields.description = input.description;
    if (input.body !== undefined) fields.body = input.body;
    await this.withSlugRetry((attempt) =>
      this.store.db.transaction().execute(async (trx) => {
        // A new slug only when the title's words change; retitling "Dragons" to "dragons!" keeps it.
        if (fields.title !== undefined && slugify(fields.title) !== slugify(key.title)) {
          fields.slug = await this.freeSlug(fields.title, attempt, (s) => this.store.slugTaken(s, trx));
        }
        await this.store.update(trx, key.id, fields);
        if (input.tagList !== undefined) await this.store.replaceTags(trx, key.id, normalizeTags(input.tagList));
      }),
    );
    await this.cached.changed(key.id, fields.slug ? [slug, fields.slug] : [slug]);
    return this.viewById(key.id, viewerId);
  }

  async delete(slug: string, viewerId: number): Promise<void> {
    const key = await this.ownedKey(slug, viewerId);
    await this.store.db.transaction().execute(async (trx) => {
      await this.store.delete(trx, key.id);
      const event = { articleId: key.id, authorId: key.author_id, publishedAt: key.created_at.getTime() };
      await this.outbox.add<SocialTables>(trx, [articleEvent(ARTICLE_DELETED, event)]);
    });
    this.outbox.wake();
    await Promise.all([this.cached.changed(key.id, [slug]), this.feed.onArticlesChanged?.(key.author_id)]);
  }

  async setFavorite(slug: string, viewerId: number, favorite: boolean): Promise<ArticleView> {
    const key = await this.keyOf(slug);
    let announced = false;
    const payload: ArticleFavoritedEvent = { userId: viewerId, articleId: key.id, articleAuthorId: key.author_id, articleSlug: slug, articleTitle: key.title };
    // Only a new favorite is announced (notifications), in the transaction that added it.
    await this.store.setFavorite(viewerId, key.id, favorite, favorite
      ? async (trx) => {
          await this.outbox.add<SocialTables>(trx, [{ topic: ARTICLE_FAVORITED, key: String(key.id), payload }]);
          announced = true;
        }
      : undefined);
    if (announced) this.outbox.wake();
    await Promise.all([this.cached.changed(key.id, [slug]), this.flags.changed(viewerId)]);
    return this.viewById(key.id, viewerId);
  }

  async list(query: ListQuery, viewerId: number | null): Promise<ArticleList> {
    const filter: ArticleFilter = {};
    if (query.tag !== undefined) filter.tag = canonicalTag(query.tag);
    for (const [param, key] of [['author', 'authorId'], ['favorited', 'favoritedBy']] as const) {
      const username = query[param];
      if (username === undefined) continue;
      const user = await this.identity.userByUsername(username);
      // An unknown user in a filter matches nothing (RealWorld: 200 with an empty list).
      if (!user) return { articles: [], total: 0 };
      filter[key] = user.id;
    }
    const { records, total, authors, flags } = await this.cached.page(filter, query, viewerId);
    return { articles: await this.hydrate(records, viewerId, authors, flags), total };
  }

  /**
   * Two waits deep, not three: the viewer's flags load beside the page, and the page names its authors, so their
   * profiles load beside its articles. A reader's first read in a while misses all of those caches, and each miss
   * is a round trip to Postgres; one after another they were most of the feed's slowest reads.
   */
  async homeFeed(viewerId: number, page: Page): Promise<ArticleList> {
    // With the cache off the flags come with the articles (ArticleCache.flagsInline): no statement of their own.
    const flagsOf = this.cached.flagsInline ? undefined : this.flags.of(viewerId);
    const { entries, total } = await this.feed.page(viewerId, page);
    const ids = entries.map((e) => e.articleId);
    const authorIds = [...new Set(entries.map((e) => e.authorId))];
    const [found, users, flags] = await Promise.all([this.cached.byIds(ids, viewerId), this.identity.usersByIds(authorIds), flagsOf?.(ids, authorIds)]);
    return { articles: await this.hydrate(found.records, viewerId, [...users.values()], found.flags ?? flags), total };
  }

  async tags(): Promise<string[]> {
    return this.cached.tags();
  }

  /**
   * Adds what depends on the viewer: favorited and the authors' `following` from the viewer's cached sets
   * (ViewerFlags), or the ones read with the records (`knownFlags`: the cache off, ArticleCache); authors from
   * cached profiles or the ones a list page carries. Once the cache is warm a signed-in page costs no query
   * either; none costs more than a fixed number.
   */
  private async hydrate<A extends ArticleSummary>(
    records: A[],
    viewerId: number | null,
    knownAuthors?: readonly UserProfile[],
    knownFlags?: ViewerFlagSets,
  ): Promise<ArticleView<A>[]> {
    const authorIds = records.map((r) => r.authorId);
    const [flags, users] = await Promise.all([
      knownFlags ?? this.flags.among(viewerId, records.map((r) => r.id), authorIds),
      knownAuthors ?? this.identity.usersByIds(authorIds).then((found) => [...found.values()]),
    ]);
    const authors = profileViews(users, flags.following);
    return records.map((article) => ({ article, favorited: flags.favorited.has(article.id), author: authors.get(article.authorId) ?? DELETED_AUTHOR }));
  }

  /** The answer to a write: from Postgres (the write just dropped the cached copy), with its body. */
  private async viewById(id: number, viewerId: number | null): Promise<ArticleView> {
    return this.view(await this.store.recordById(id), viewerId);
  }

  private async view(record: ArticleRecord | undefined, viewerId: number | null): Promise<ArticleView> {
    if (!record) throw errors.notFound('article');
    const [view] = await this.hydrate([record], viewerId);
    return view!;
  }

  /** The authoritative id, owner and title (from Postgres: write paths never trust the cache). */
  private async keyOf(slug: string) {
    const key = await this.store.keyOf(slug);
    if (!key) throw errors.notFound('article');
    return key;
  }

  private async ownedKey(slug: string, viewerId: number) {
    const key = await this.keyOf(slug);
    if (key.author_id !== viewerId) throw errors.forbidden('article');
    return key;
  }

  /**
   * Inserts under the title's slug, or a suffixed one when that is taken (by a committed article or a concurrent
   * writer's): each try is the insert itself, so nothing is rolled back. A suffix is random over 32 bits, so the
   * bound is never reached in practice; if it is, the write fails as a conflict rather than looping.
   */
  private async insertWithFreeSlug(trx: Transaction<SocialTables>, authorId: number, fields: Omit<ArticleFields, 'slug'>, tags: readonly string[]) {
    const base = slugify(fields.title);
    for (let attempt = 0; attempt < 4; attempt++) {
      const inserted = await this.store.insertIfSlugFree(trx, authorId, { ...fields, slug: attempt === 0 ? base : suffixed(base) }, tags);
      if (inserted) return inserted;
    }
    throw errors.conflict('slug');
  }

  /** The title's slug if free, else a suffixed one; after a lost race (attempt > 0) always suffixed. */
  private async freeSlug(title: string, attempt: number, taken: (slug: string) => Promise<boolean>): Promise<string> {
    const base = slugify(title);
    if (attempt === 0 && !(await taken(base))) return base;
    return suffixed(base);
  }

  /** Two writers can pick the same free slug at once; the loser's transaction rolls back and retries suffixed. */
  private async withSlugRetry<T>(work: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work(attempt);
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 3) throw err;
      }
    }
  }
}
