import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import { batchedLookup, type BatchedLookup } from '../../../platform/db/batched-lookup.js';
import { compileOnce, type CompiledStatement } from '../../../platform/db/compile-once.js';
import type { SocialTables } from './tables.js';

/** Rows each tag's count is spread over (social migration 9: the trigger accepts any slot it is given). */
const TAG_SLOTS = 16;

const randomSlot = () => Math.floor(Math.random() * TAG_SLOTS);

/**
 * Claims the tag counters a write changes (the new tags', and an existing article's old ones, in `slot`) at once in
 * key order, before any row is touched: the delete and the insert of a tag write each lock theirs in order
 * (migration 7), but as two statements, or with a tag's row created meanwhile by another post, two writers could
 * still hold one of each other's rows and deadlock. Advisory locks, because a new tag has no row to lock yet. The
 * slot goes to the counting trigger as a transaction-local setting.
 */
async function lockTagCounters(db: Db, tags: readonly string[], slot: number, existingArticleId?: number): Promise<void> {
  const old = existingArticleId === undefined ? sql`` : sql`select tag from social.article_tags where article_id = ${existingArticleId} union `;
  await sql`select set_config('social.tag_slot', ${String(slot)}, true),
      pg_advisory_xact_lock(hashtextextended('social.tag_stats:' || t.tag || ':' || ${slot}::int, 0)) from (
      ${old}select unnest(${[...tags]}::text[]) as tag order by 1) t`.execute(db);
}

/**
 * An article as every viewer sees it in a list: JSON-safe (ISO timestamps), so it can
 * be cached in Redis. No `body`: RealWorld's lists leave it out, so list and feed
 * queries never read it. Viewer-specific flags (favorited, following) are not
 * part of it; they are looked up per request.
 */
export interface ArticleSummary {
  id: number;
  slug: string;
  title: string;
  description: string;
  authorId: number;
  favoritesCount: number;
  tagList: string[];
  createdAt: string;
  updatedAt: string;
}

/** A single article as every viewer sees it: the summary and its body. */
export interface ArticleRecord extends ArticleSummary {
  body: string;
}

/** What a viewer's flags on a page are: the articles they favorited and the authors they follow, of those asked about. */
export interface ViewerFlagSets {
  favorited: Set<number>;
  following: Set<number>;
}

export interface ArticleFields {
  slug: string;
  title: string;
  description: string;
  body: string;
}

/** What narrows a list of articles; every field is optional and they combine with AND. */
export interface ArticleFilter {
  authorId?: number;
  tag?: string;
  favoritedBy?: number;
  /** Articles by authors this user follows (the pull feed). */
  authorsFollowedBy?: number;
}

export interface Page {
  limit: number;
  offset: number;
}

/** Up to a limit of the ids of the articles a user favorited and of the users they follow (ViewerFlags' sets). */
export interface ViewerSets {
  favorites: number[];
  following: number[];
}

/** A viewer's flags on one article: they favorited it, they follow its author. */
export interface RowFlags {
  favorited: boolean;
  following: boolean;
}

/** Summaries read with a viewer's flags (the cache-off reads: ArticleCache), the flags as the page's sets. */
export interface FlaggedSummaries<A extends ArticleSummary = ArticleSummary> {
  records: A[];
  flags: ViewerFlagSets;
}

/**
 * The arguments of a list page's statement (findPage): every filter's value, in this order, then the page, then
 * the viewer whose flags the page carries (absent: no flags).
 */
type PageArgs = [
  authorId?: number, tag?: string, favoritedBy?: number, authorsFollowedBy?: number, limit?: number, offset?: number, depth?: number, viewer?: number,
];
/** A page as Postgres builds it: its total and its summaries (with the viewer's flags when asked) as one JSON array. */
type PageRow = { total: string | number | null; page: (ArticleSummary & Partial<RowFlags>)[] };

type Db = Kysely<SocialTables> | Transaction<SocialTables>;

/** Data access for articles, their tags and favorites. */
export class ArticlesStore {
  readonly db: Kysely<SocialTables>;
  // The cache-off hot reads' statements, each built and compiled by Kysely once (platform/db/compile-once.ts).
  private readonly recordsBySlugsStatement;
  private readonly flaggedRecordBySlugStatement;
  private readonly summariesStatement;
  private readonly flaggedSummariesStatement;
  private readonly viewerFlagsStatement;
  private readonly viewerSetsStatement;
  /** findPage's statement per filter shape (which filters are set), compiled on first use. */
  private readonly pageStatements = new Map<string, CompiledStatement<PageArgs, PageRow>>();
  // The cache's loaders: lookups that arrive together (an expiry wave's misses) share one statement.
  private readonly recordLookup: BatchedLookup<string, ArticleRecord>;
  private readonly summaryLookup: BatchedLookup<number, ArticleSummary>;
  /** By the `limit` asked for (one value in practice: ViewerFlags'). */
  private readonly viewerSetLookups = new Map<number, BatchedLookup<number, ViewerSets>>();

  constructor(database: Database) {
    this.db = database.as<SocialTables>();
    this.recordsBySlugsStatement = compileOnce(this.db, (slugs: readonly string[]) => this.records().where(sql<boolean>`a.slug = any(${slugs}::text[])`));
    this.flaggedRecordBySlugStatement = compileOnce(this.db, (slug: string, viewer: number) =>
      this.records().select(flagColumns(viewer)).where('a.slug', '=', slug),
    );
    // Arrays, not `in` lists: one parameter each, and the same statement text for every page size.
    this.summariesStatement = compileOnce(
      this.db,
      (ids: readonly number[]) => sql<{ page: ArticleSummary[] | null }>`select ${summariesJson()} as page from social.articles a where a.id = any(${ids}::bigint[])`,
    );
    this.flaggedSummariesStatement = compileOnce(
      this.db,
      (ids: number[], viewer: number) => sql<{ page: (ArticleSummary & RowFlags)[] | null }>`
        select ${summariesJson(viewer)} as page from social.articles a where a.id = any(${ids}::bigint[])`,
    );
    this.viewerFlagsStatement = compileOnce(
      this.db,
      (userId: number, articleIds: number[], authorIds: number[]) => sql<{ following: boolean; id: string | number }>`
        select false as following, article_id as id from social.favorites
          where user_id = ${userId} and article_id = any(${articleIds}::bigint[])
        union all
        select true, followee_id from social.follows
          where follower_id = ${userId} and followee_id = any(${authorIds}::bigint[])`,
    );
    // Both of a viewer's sets in one statement (each from its primary key's leading column): one round trip and
    // one pooled connection where two parallel statements took two of each, on the miss a feed read waits for;
    // and the sets of every viewer missing at the same time in that one statement (viewerSets).
    this.viewerSetsStatement = compileOnce(
      this.db,
      (userIds: readonly number[], limit: number) => sql<{ id: string | number; favorites: Array<string | number>; following: Array<string | number> }>`
        select u.id, array(select article_id from social.favorites where user_id = u.id limit ${limit}) as favorites,
          array(select followee_id from social.follows where follower_id = u.id limit ${limit}) as following
        from unnest(${userIds}::bigint[]) as u(id)`,
    );
    this.recordLookup = batchedLookup(async (slugs) => {
      const rows = await this.recordsBySlugsStatement(slugs);
      return new Map(rows.map((row) => [row.slug, toRecord(row)]));
    });
    this.summaryLookup = batchedLookup(async (ids) => {
      const [row] = await this.summariesStatement(ids);
      return new Map((row?.page ?? []).map((r) => [r.id, r]));
    });
  }

  async slugTaken(slug: string, db: Db = this.db): Promise<boolean> {
    const row = await db.selectFrom('social.articles').select('id').where('slug', '=', slug).executeTakeFirst();
    return row !== undefined;
  }

  /**
   * A new article with its tags (canonical, without duplicates), in the write's transaction, unless its slug is taken
   * (undefined then, and nothing written): the insert is the slug's check, one statement where a lookup and an insert
   * were two, and a slug taken by a concurrent writer leaves the transaction usable for another try instead of
   * failing it. The row carries its sorted `tag_list` from the start, and the tags cost two statements (their
   * counters' locks, their rows), none without tags. replaceTags would add a delete and a tag-list update that find
   * nothing to do on a new article.
   */
  async insertIfSlugFree(db: Db, authorId: number, fields: ArticleFields, tags: readonly string[] = []): Promise<{ id: number; createdAt: Date } | undefined> {
    const row = await db
      .insertInto('social.articles')
      // Sorted by the database, as replaceTags sorts (its collation, not JavaScript's).
      .values({ ...fields, author_id: authorId, tag_list: sql<string[]>`array(select unnest(${[...tags]}::text[]) order by 1)` })
      .onConflict((conflict) => conflict.column('slug').doNothing())
      .returning(['id', 'created_at'])
      .executeTakeFirst();
    if (!row) return undefined;
    if (tags.length > 0) {
      await lockTagCounters(db, tags, randomSlot());
      await db.insertInto('social.article_tags').values(tags.map((tag) => ({ article_id: row.id, tag }))).execute();
    }
    return { id: row.id, createdAt: row.created_at };
  }

  async update(db: Db, id: number, fields: Partial<ArticleFields>): Promise<void> {
    await db
      .updateTable('social.articles')
      .set({ ...fields, updated_at: sql`greatest(clock_timestamp(), updated_at + interval '1 millisecond')` })
      .where('id', '=', id)
      .execute();
  }

  /**
   * The article's tags, in article_tags (filtering, the tag cloud) and in its own sorted `tag_list` (reads); call in
   * the write's transaction. The tag counters it moves are in `slot` (social migration 9; drawn at random, so
   * posts with a common tag rarely share a counter row).
   */
  async replaceTags(db: Db, articleId: number, tags: readonly string[], slot = randomSlot()): Promise<void> {
    await lockTagCounters(db, tags, slot, articleId);
    await db.deleteFrom('social.article_tags').where('article_id', '=', articleId).execute();
    if (tags.length > 0) await db.insertInto('social.article_tags').values(tags.map((tag) => ({ article_id: articleId, tag }))).execute();
    // Sorted by the database, as the list always was (its collation, not JavaScript's).
    await sql`update social.articles set tag_list = coalesce(
      (select array_agg(tag order by tag) from social.article_tags where article_id = ${articleId}), '{}') where id = ${articleId}`.execute(db);
  }

  async delete(db: Db, id: number): Promise<void> {
    await db.deleteFrom('social.articles').where('id', '=', id).execute();
  }

  /** The id, owner, title and creation time behind a slug: what ownership, slug checks and events need. */
  async keyOf(slug: string): Promise<{ id: number; author_id: number; title: string; created_at: Date } | undefined> {
    return this.db
      .selectFrom('social.articles')
      .select(['id', 'author_id', 'title', 'created_at'])
      .where('slug', '=', slug)
      .executeTakeFirst();
  }

  /**
   * Summaries (with sorted tags, without body) in the order of `ids`: one statement for the batch (the feed's
   * page), shared with the batches of other requests that miss at the same time (batchedLookup).
   */
  async summariesByIds(ids: readonly number[]): Promise<ArticleSummary[]> {
    if (ids.length === 0) return [];
    const found = await Promise.all(ids.map((id) => this.summaryLookup.load(id)));
    return found.filter((summary) => summary !== undefined);
  }

  /** summariesByIds and `viewerId`'s flags on them, in one statement (a feed page with the cache off). */
  async flaggedSummariesByIds(ids: readonly number[], viewerId: number): Promise<FlaggedSummaries> {
    const result: FlaggedSummaries = { records: [], flags: { favorited: new Set(), following: new Set() } };
    if (ids.length === 0) return result;
    const [row] = await this.flaggedSummariesStatement([...new Set(ids)], viewerId);
    const byId = new Map((row?.page ?? []).map((r) => [r.id, r]));
    for (const id of ids) {
      const flagged = byId.get(id);
      if (flagged) result.records.push(unflagged(flagged, result.flags));
    }
    return result;
  }

  /** One article with its body, by id (the answer to a write). */
  async recordById(id: number): Promise<ArticleRecord | undefined> {
    const row = await this.records().where('a.id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** An author's articles, oldest first, `limit` at a time after `afterId` (keyset paging for the data export). */
  async recordsByAuthor(authorId: number, afterId: number, limit: number): Promise<ArticleRecord[]> {
    const rows = await this.records().where('a.author_id', '=', authorId).where('a.id', '>', afterId).orderBy('a.id').limit(limit).execute();
    return rows.map(toRecord);
  }

  /** One article with its body, by slug (the single-article read's miss): shares a statement with others' (batchedLookup). */
  async recordBySlug(slug: string): Promise<ArticleRecord | undefined> {
    return this.recordLookup.load(slug);
  }

  /** recordBySlug and `viewerId`'s flags on it, in one statement (a single article with the cache off). */
  async flaggedRecordBySlug(slug: string, viewerId: number): Promise<{ record: ArticleRecord; flags: RowFlags } | undefined> {
    const [row] = await this.flaggedRecordBySlugStatement(slug, viewerId);
    return row ? { record: toRecord(row), flags: { favorited: row.favorited, following: row.following } } : undefined;
  }

  /**
   * Of `articleIds`, those `userId` favorited, and of `authorIds`, those they follow: one statement for a page's
   * flags when there are no cached sets to answer from (CACHE_ENABLED=false), instead of one per kind.
   */
  async viewerFlags(userId: number, articleIds: readonly number[], authorIds: readonly number[]): Promise<ViewerFlagSets> {
    const flags: ViewerFlagSets = { favorited: new Set(), following: new Set() };
    if (articleIds.length === 0 && authorIds.length === 0) return flags;
    const rows = await this.viewerFlagsStatement(userId, [...new Set(articleIds)], [...new Set(authorIds)]);
    for (const row of rows) (row.following ? flags.following : flags.favorited).add(Number(row.id));
    return flags;
  }

  /** Up to `limit` ids of the articles `userId` favorited and of the users they follow (the viewer's cached sets, ViewerFlags). */
  async viewerSets(userId: number, limit: number): Promise<ViewerSets> {
    let lookup = this.viewerSetLookups.get(limit);
    if (!lookup) {
      lookup = batchedLookup(async (userIds) => {
        const rows = await this.viewerSetsStatement(userIds, limit);
        return new Map(rows.map((row) => [Number(row.id), { favorites: row.favorites.map(Number), following: row.following.map(Number) }]));
      });
      this.viewerSetLookups.set(limit, lookup);
    }
    return (await lookup.load(userId)) ?? { favorites: [], following: [] };
  }

  private summaries() {
    return this.db
      .selectFrom('social.articles as a')
      .select(['a.id', 'a.slug', 'a.title', 'a.description', 'a.author_id', 'a.favorites_count', 'a.created_at', 'a.updated_at', 'a.tag_list']);
  }

  private records() {
    return this.summaries().select('a.body');
  }

  /** One page of ids with their authors, newest first (id breaks ties), and the total of matches (the pull feed's page). */
  async findIds(filter: ArticleFilter, page: Page): Promise<{ entries: { articleId: number; authorId: number }[]; total: number }> {
    const [ids, count] = await Promise.all([
      this.pageIds(filter, { ...page, depth: page.offset + page.limit }).execute(this.db),
      this.countMatches(filter).execute(this.db),
    ]);
    return { entries: ids.rows.map((r) => ({ articleId: Number(r.id), authorId: Number(r.author_id) })), total: Number(count.rows[0]?.total ?? 0) };
  }

  /**
   * One page of a list with its summaries and the total of matches, in one statement where ids, count and rows
   * were three in two round trips: the page's ids from their index, the rows by primary key, the total (from the
   * kept counts, see countMatches). Postgres answers with one row: the total and the page as a JSON array of
   * summaries (a JSON.parse of one value instead of the driver parsing every column of 20 rows, their dates
   * and tag arrays). With `viewerId` (the cache off: ArticleCache), each summary also carries that viewer's
   * flags, so a signed-in page needs no statement of its own for them.
   */
  async findPage(filter: ArticleFilter, page: Page): Promise<{ records: ArticleSummary[]; total: number }>;
  async findPage(filter: ArticleFilter, page: Page, viewerId: number): Promise<FlaggedSummaries & { total: number }>;
  async findPage(filter: ArticleFilter, page: Page, viewerId?: number): Promise<{ records: ArticleSummary[]; total: number; flags?: ViewerFlagSets }> {
    const [row] = await this.pageStatement(filter, viewerId !== undefined)(
      filter.authorId, filter.tag, filter.favoritedBy, filter.authorsFollowedBy, page.limit, page.offset, page.offset + page.limit, viewerId,
    );
    const total = Number(row?.total ?? 0);
    const summaries = row?.page ?? [];
    if (viewerId === undefined) return { records: summaries, total };
    const flags: ViewerFlagSets = { favorited: new Set(), following: new Set() };
    return { records: summaries.map((s) => unflagged(s, flags)), total, flags };
  }

  /** findPage's statement for the filters `filter` sets (their values do not matter: they are the statement's parameters). */
  private pageStatement(filter: ArticleFilter, flagged: boolean): CompiledStatement<PageArgs, PageRow> {
    const shape = (Object.keys(filter) as (keyof ArticleFilter)[]).filter((k) => filter[k] !== undefined).sort().join(',') + (flagged ? '+viewer' : '');
    let statement = this.pageStatements.get(shape);
    if (!statement) {
      const has = (key: keyof ArticleFilter) => filter[key] !== undefined;
      statement = compileOnce(this.db, (authorId, tag, favoritedBy, authorsFollowedBy, limit, offset, depth, viewer) => {
        const shaped: ArticleFilter = {
          ...(has('authorId') ? { authorId } : {}),
          ...(has('tag') ? { tag } : {}),
          ...(has('favoritedBy') ? { favoritedBy } : {}),
          ...(has('authorsFollowedBy') ? { authorsFollowedBy } : {}),
        };
        const page = { limit: limit!, offset: offset!, depth: depth! };
        // An aggregate, so one row even for an empty page: the total never needs a statement of its own.
        return sql<PageRow>`
          select (${this.countMatches(shaped)}) as total, ${summariesJson(flagged ? viewer : undefined)} as page
          from (${this.pageIds(shaped, page)}) p join social.articles a on a.id = p.id`;
      });
      this.pageStatements.set(shape, statement);
    }
    return statement;
  }

  /** The statement for one page of ids and their authors, newest first (id breaks ties); `depth` is offset + limit. */
  private pageIds(filter: ArticleFilter, page: Page & { depth: number }): RawBuilder<{ id: number | string; author_id: number | string }> {
    if (onlyFilter(filter) === 'authorsFollowedBy') {
      // The pull feed: each followee's newest (offset + limit) from their own index, merged. Walking the
      // global newest-first index instead reads past every article of the people not followed, which
      // for someone following a few quiet authors is most of the table.
      // (social.newest_by, migration 8: in index order whatever the author's number of articles.)
      return sql`select a.id, a.author_id from social.follows f
        cross join lateral social.newest_by(f.followee_id, ${page.depth}) a
        where f.follower_id = ${filter.authorsFollowedBy}
        order by a.created_at desc, a.id desc limit ${page.limit} offset ${page.offset}`;
    }
    return sql`${this.filtered(filter).select(['a.id', 'a.author_id']).orderBy('a.created_at', 'desc').orderBy('a.id', 'desc').limit(page.limit).offset(page.offset)}`;
  }

  /**
   * The statement for how many articles match (one row, `total`): with no filter or one, a count kept by
   * triggers (migration 6) or an index range, never a pass over the articles; filters combined (rare: the
   * API allows author + tag + favorited together) are counted by the query itself.
   */
  private countMatches(filter: ArticleFilter): RawBuilder<{ total: string | number | null }> {
    const only = onlyFilter(filter);
    let query;
    if (only === 'none') {
      query = this.db.selectFrom('social.article_totals').select((eb) => eb.fn.sum<number>('articles_count').as('total'));
    } else if (only === 'authorId') {
      query = this.db.selectFrom('social.author_stats').select('articles_count as total').where('author_id', '=', filter.authorId!);
    } else if (only === 'tag') {
      // A tag's count is spread over its slots (migration 9).
      query = this.db.selectFrom('social.tag_stats').select((eb) => eb.fn.sum<number>('articles_count').as('total')).where('tag', '=', filter.tag!);
    } else if (only === 'favoritedBy') {
      // A favorite row exists only while its article does (on delete cascade).
      query = this.db.selectFrom('social.favorites').select((eb) => eb.fn.countAll<number>().as('total')).where('user_id', '=', filter.favoritedBy!);
    } else if (only === 'authorsFollowedBy') {
      query = this.db
        .selectFrom('social.follows as f')
        .innerJoin('social.author_stats as s', 's.author_id', 'f.followee_id')
        .select((eb) => eb.fn.sum<number>('s.articles_count').as('total'))
        .where('f.follower_id', '=', filter.authorsFollowedBy!);
    } else {
      query = this.filtered(filter).select((eb) => eb.fn.countAll<number>().as('total'));
    }
    return sql`${query}`;
  }

  private filtered(filter: ArticleFilter): SelectQueryBuilder<SocialTables & { a: SocialTables['social.articles'] }, 'a', object> {
    let query = this.db.selectFrom('social.articles as a');
    if (filter.authorId !== undefined) query = query.where('a.author_id', '=', filter.authorId);
    if (filter.authorsFollowedBy !== undefined) {
      const follower = filter.authorsFollowedBy;
      query = query.where('a.author_id', 'in', (eb) =>
        eb.selectFrom('social.follows').select('followee_id').where('follower_id', '=', follower),
      );
    }
    if (filter.tag !== undefined) {
      const tag = filter.tag;
      query = query.where((eb) =>
        eb.exists(eb.selectFrom('social.article_tags as t').select('t.tag').whereRef('t.article_id', '=', 'a.id').where('t.tag', '=', tag)),
      );
    }
    if (filter.favoritedBy !== undefined) {
      const user = filter.favoritedBy;
      query = query.where((eb) =>
        eb.exists(eb.selectFrom('social.favorites as f').select('f.user_id').whereRef('f.article_id', '=', 'a.id').where('f.user_id', '=', user)),
      );
    }
    return query;
  }

  async tagsInUse(): Promise<string[]> {
    // The kept per-tag counts (summed over their slots): a distinct over article_tags reads every tag of every article.
    const rows = await this.db
      .selectFrom('social.tag_stats')
      .select('tag')
      .groupBy('tag')
      .having((eb) => eb.fn.sum('articles_count'), '>', 0)
      .orderBy('tag')
      .execute();
    return rows.map((r) => r.tag);
  }

  /** Adds or removes a favorite and keeps favorites_count in step, in one transaction. */
  /** `onChange` runs in the same transaction when the favorite was actually added or removed (the caller's outbox events). */
  async setFavorite(userId: number, articleId: number, favorite: boolean, onChange?: (trx: Transaction<SocialTables>) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const changed = favorite
        ? await trx
            .insertInto('social.favorites')
            .values({ user_id: userId, article_id: articleId })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst()
        : await trx.deleteFrom('social.favorites').where('user_id', '=', userId).where('article_id', '=', articleId).executeTakeFirst();
      const rows = Number('numInsertedOrUpdatedRows' in changed ? changed.numInsertedOrUpdatedRows : changed.numDeletedRows);
      if (rows === 0) return;
      await trx
        .updateTable('social.articles')
        .set((eb) => ({ favorites_count: eb('favorites_count', '+', favorite ? 1 : -1) }))
        .where('id', '=', articleId)
        .execute();
      await onChange?.(trx);
    });
  }
}

type SummaryRow = {
  id: number | string; slug: string; title: string; description: string; author_id: number | string;
  favorites_count: number; created_at: Date; updated_at: Date; tag_list: string[];
};

function toSummary(row: SummaryRow): ArticleSummary {
  return {
    // bigint columns, read by raw statements too: Number() whatever type the driver (pg or PGlite) hands back.
    id: Number(row.id),
    slug: row.slug,
    title: row.title,
    description: row.description,
    authorId: Number(row.author_id),
    favoritesCount: row.favorites_count,
    tagList: row.tag_list,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toRecord(row: SummaryRow & { body: string }): ArticleRecord {
  return { ...toSummary(row), body: row.body };
}

/** `viewer` favorited the article `a` (one probe of favorites' primary key). */
function favoritedBy(viewer: unknown): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from social.favorites f where f.user_id = ${viewer} and f.article_id = a.id)`;
}

/** `viewer` follows the author of the article `a` (one probe of follows' primary key). */
function followsAuthorOf(viewer: unknown): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from social.follows f where f.follower_id = ${viewer} and f.followee_id = a.author_id)`;
}

/** The viewer's flags on the article `a` as two selected columns, `favorited` and `following`. */
function flagColumns(viewer: unknown) {
  return [favoritedBy(viewer).as('favorited'), followsAuthorOf(viewer).as('following')] as const;
}

/**
 * The rows of `social.articles as a` as one JSON array of ArticleSummary, newest first (null when there are none),
 * with `viewer`'s flags on each when given. Timestamps are written as JavaScript's toISOString does (UTC, three
 * digits of milliseconds, truncated as the driver's Date is), so a summary is the same object whichever way it
 * was read, and the same as the cached ones.
 */
function summariesJson(viewer?: unknown): RawBuilder<unknown> {
  const flags = viewer === undefined ? sql`` : sql`, 'favorited', ${favoritedBy(viewer)}, 'following', ${followsAuthorOf(viewer)}`;
  return sql`json_agg(json_build_object(
    'id', a.id, 'slug', a.slug, 'title', a.title, 'description', a.description, 'authorId', a.author_id,
    'favoritesCount', a.favorites_count, 'tagList', a.tag_list,
    'createdAt', to_char(a.created_at at time zone 'UTC', ${ISO_FORMAT}),
    'updatedAt', to_char(a.updated_at at time zone 'UTC', ${ISO_FORMAT})${flags}
  ) order by a.created_at desc, a.id desc)`;
}

const ISO_FORMAT = sql.lit('YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');

/** The summary without the flags it was read with, the flags added to the page's sets. */
function unflagged(row: ArticleSummary & Partial<RowFlags>, flags: ViewerFlagSets): ArticleSummary {
  const { favorited, following, ...summary } = row;
  if (favorited) flags.favorited.add(summary.id);
  if (following) flags.following.add(summary.authorId);
  return summary;
}

/** Which single filter narrows a list: 'none', its name, or 'several'. */
function onlyFilter(filter: ArticleFilter): 'none' | keyof ArticleFilter | 'several' {
  const set = (Object.keys(filter) as (keyof ArticleFilter)[]).filter((k) => filter[k] !== undefined);
  return set.length === 0 ? 'none' : set.length === 1 ? set[0]! : 'several';
}
