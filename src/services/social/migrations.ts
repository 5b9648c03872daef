import type { ServiceMigrations } from '../../platform/db/migrations.js';

/** social owns follows, articles, tags, favorites and comments. User ids are identity's; no foreign key crosses schemas. */
export const socialMigrations: ServiceMigrations = {
  service: 'social',
  schema: 'social',
  migrations: [
    {
      version: 1,
      name: 'conduit',
      statements: [
        `create table social.follows (
          follower_id bigint not null,
          followee_id bigint not null,
          created_at timestamptz not null default now(),
          primary key (follower_id, followee_id)
        )`,
        `create index follows_followee on social.follows (followee_id)`,
        `create table social.articles (
          id bigint generated always as identity primary key,
          slug text not null unique,
          title text not null,
          description text not null,
          body text not null,
          author_id bigint not null,
          favorites_count integer not null default 0,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`,
        // Newest first with id as the stable tie-break, globally and per author.
        `create index articles_recent on social.articles (created_at desc, id desc)`,
        `create index articles_author_recent on social.articles (author_id, created_at desc, id desc)`,
        `create table social.article_tags (
          article_id bigint not null references social.articles (id) on delete cascade,
          tag text not null,
          primary key (article_id, tag)
        )`,
        `create index article_tags_tag on social.article_tags (tag, article_id)`,
        `create table social.favorites (
          user_id bigint not null,
          article_id bigint not null references social.articles (id) on delete cascade,
          created_at timestamptz not null default now(),
          primary key (user_id, article_id)
        )`,
        `create index favorites_article on social.favorites (article_id)`,
        `create table social.comments (
          id bigint generated always as identity primary key,
          article_id bigint not null references social.articles (id) on delete cascade,
          author_id bigint not null,
          body text not null,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`,
        `create index comments_article on social.comments (article_id, created_at desc, id desc)`,
      ],
    },
    {
      version: 2,
      name: 'article views (write-behind counter)',
      statements: [`alter table social.articles add column views_count bigint not null default 0`],
    },
    {
      version: 3,
      name: 'feed: readers activity, followers per author, fan-out index',
      statements: [
        // When each user last read their feed: fan-out skips followers inactive for FEED_INACTIVE_DAYS.
        `create table social.feed_readers (
          user_id bigint primary key,
          last_read_at timestamptz not null
        )`,
        `create index feed_readers_recent on social.feed_readers (last_read_at)`,
        // Followers per author, kept in the follow/unfollow transaction: who is a celebrity under hybrid.
        `create table social.author_stats (
          author_id bigint primary key,
          followers_count integer not null default 0
        )`,
        `insert into social.author_stats (author_id, followers_count)
          select followee_id, count(*) from social.follows group by followee_id`,
        `create index author_stats_followers on social.author_stats (followers_count)`,
        // Fan-out pages through an author's followers in id order.
        `create index follows_followee_follower on social.follows (followee_id, follower_id)`,
        `drop index social.follows_followee`,
      ],
    },
    {
      version: 4,
      name: 'articles carry their sorted tag list',
      statements: [
        // Read with every article (a cache miss is one row, not a row plus an aggregate subquery: ~35% of
        // the miss on PGlite); article_tags stays the index for filtering by tag and the tag cloud.
        `alter table social.articles add column tag_list text[] not null default '{}'`,
        `update social.articles a set tag_list = t.tags
          from (select article_id, array_agg(tag order by tag) as tags from social.article_tags group by article_id) t
          where t.article_id = a.id`,
      ],
    },
    {
      version: 5,
      name: 'canonical tags (NFKC, lowercase)',
      statements: [
        // New writes store canonicalTag() (src/platform/text/identifiers.ts); older rows are brought to that form.
        // Two spellings on one article ("React", "react") become one tag: the duplicate row goes first.
        `delete from social.article_tags t where exists (select 1 from social.article_tags o
          where o.article_id = t.article_id and o.tag < t.tag and lower(normalize(o.tag, NFKC)) = lower(normalize(t.tag, NFKC)))`,
        `update social.article_tags set tag = lower(normalize(tag, NFKC)) where tag <> lower(normalize(tag, NFKC))`,
        `update social.articles a set tag_list = coalesce(
            (select array_agg(tag order by tag) from social.article_tags where article_id = a.id), '{}')
          where exists (select 1 from unnest(a.tag_list) as x(tag) where x.tag <> lower(normalize(x.tag, NFKC)))`,
      ],
    },
    {
      version: 6,
      name: 'article counts kept by triggers (list totals without counting rows)',
      statements: [
        // RealWorld answers every list with articlesCount. Counting the matches each time read every
        // article (a sequential scan: ~40 ms at 100,000 articles, and 200 ms for a tag's count); these
        // counts are kept instead, by statement-level triggers so that every writer (the API, user
        // deletion's cascade, bulk seeding) keeps them in step, a bulk insert with one update per author.
        // The total is spread over 16 slots: concurrent posts would otherwise queue on one row.
        `create table social.article_totals (slot smallint primary key, articles_count bigint not null default 0)`,
        `insert into social.article_totals (slot) select generate_series(0, 15)`,
        `update social.article_totals set articles_count = (select count(*) from social.articles) where slot = 0`,
        `alter table social.author_stats add column articles_count integer not null default 0`,
        `insert into social.author_stats (author_id, articles_count)
          select author_id, count(*) from social.articles group by author_id
          on conflict (author_id) do update set articles_count = excluded.articles_count`,
        `create table social.tag_stats (tag text primary key, articles_count integer not null)`,
        `insert into social.tag_stats (tag, articles_count) select tag, count(*) from social.article_tags group by tag`,
        `create function social.count_articles() returns trigger language plpgsql as $$
        declare
          -- Drawn once: random() in the where clause would be drawn per row, matching none or several.
          spread smallint := floor(random() * 16)::smallint;
        begin
          if tg_op = 'INSERT' then
            update social.article_totals set articles_count = articles_count + (select count(*) from new_rows)
              where slot = spread;
            insert into social.author_stats (author_id, articles_count)
              select author_id, count(*) from new_rows group by author_id
              on conflict (author_id) do update set articles_count = social.author_stats.articles_count + excluded.articles_count;
          else
            update social.article_totals set articles_count = articles_count - (select count(*) from old_rows)
              where slot = spread;
            -- No row is made for a deleted author's articles (user deletion removes their stats first).
            update social.author_stats s set articles_count = s.articles_count - d.n
              from (select author_id, count(*) as n from old_rows group by author_id) d where s.author_id = d.author_id;
          end if;
          return null;
        end $$`,
        `create trigger articles_counted_insert after insert on social.articles
          referencing new table as new_rows for each statement execute function social.count_articles()`,
        `create trigger articles_counted_delete after delete on social.articles
          referencing old table as old_rows for each statement execute function social.count_articles()`,
        `create function social.count_tags() returns trigger language plpgsql as $$
        begin
          if tg_op = 'INSERT' then
            insert into social.tag_stats (tag, articles_count) select tag, count(*) from new_rows group by tag
              on conflict (tag) do update set articles_count = social.tag_stats.articles_count + excluded.articles_count;
          else
            update social.tag_stats s set articles_count = s.articles_count - d.n
              from (select tag, count(*) as n from old_rows group by tag) d where s.tag = d.tag;
            -- A tag no article carries any more leaves the tag list.
            delete from social.tag_stats s where s.articles_count <= 0 and s.tag in (select tag from old_rows);
          end if;
          return null;
        end $$`,
        `create trigger article_tags_counted_insert after insert on social.article_tags
          referencing new table as new_rows for each statement execute function social.count_tags()`,
        `create trigger article_tags_counted_delete after delete on social.article_tags
          referencing old table as old_rows for each statement execute function social.count_tags()`,
      ],
    },
    {
      version: 7,
      name: 'counters locked in key order (concurrent posts deadlocked)',
      statements: [
        // Version 6's counters took their rows in hash order: two posts with tags {a, b} and {b, a}
        // (or two deletions across the same authors) could each hold one row and wait for the other,
        // and Postgres broke the cycle with "deadlock detected", a 500 (16 concurrent posts of the
        // realworld bench's seeding hit it at once). Every counter row is now taken in key order.
        `create or replace function social.count_articles() returns trigger language plpgsql as $$
        declare
          -- Drawn once: random() in the where clause would be drawn per row, matching none or several.
          spread smallint := floor(random() * 16)::smallint;
        begin
          if tg_op = 'INSERT' then
            update social.article_totals set articles_count = articles_count + (select count(*) from new_rows)
              where slot = spread;
            insert into social.author_stats (author_id, articles_count)
              select author_id, count(*) from new_rows group by author_id order by author_id
              on conflict (author_id) do update set articles_count = social.author_stats.articles_count + excluded.articles_count;
          else
            update social.article_totals set articles_count = articles_count - (select count(*) from old_rows)
              where slot = spread;
            perform 1 from social.author_stats where author_id in (select author_id from old_rows) order by author_id for update;
            -- No row is made for a deleted author's articles (user deletion removes their stats first).
            update social.author_stats s set articles_count = s.articles_count - d.n
              from (select author_id, count(*) as n from old_rows group by author_id) d where s.author_id = d.author_id;
          end if;
          return null;
        end $$`,
        `create or replace function social.count_tags() returns trigger language plpgsql as $$
        begin
          if tg_op = 'INSERT' then
            insert into social.tag_stats (tag, articles_count) select tag, count(*) from new_rows group by tag order by tag
              on conflict (tag) do update set articles_count = social.tag_stats.articles_count + excluded.articles_count;
          else
            perform 1 from social.tag_stats where tag in (select tag from old_rows) order by tag for update;
            update social.tag_stats s set articles_count = s.articles_count - d.n
              from (select tag, count(*) as n from old_rows group by tag) d where s.tag = d.tag;
            -- A tag no article carries any more leaves the tag list.
            delete from social.tag_stats s where s.articles_count <= 0 and s.tag in (select tag from old_rows);
          end if;
          return null;
        end $$`,
      ],
    },
    {
      version: 8,
      name: "an author's newest articles always walked in index order",
      statements: [
        // The feed's merges (celebrities at read, timeline rebuilds, the pull feed) ask each author for their
        // newest n through a lateral join. Postgres plans that join for the average author (~1 article at 100k
        // users): a bitmap scan that reads every article of the author, then a sort. For an author with
        // thousands (the celebrities hybrid merges on every read) that was 9 ms instead of 0.4 ms, 20-60 ms
        // under the feed benchmark's load; it flips with the visibility map, so a vacuum hides it and the
        // next batch of view-count updates brings it back. The index (author_id, created_at desc, id desc)
        // is the right path whatever the author: here it is the only one (explained in hot-queries.test.ts).
        `create function social.newest_by(author bigint, n integer)
          returns table (id bigint, author_id bigint, created_at timestamptz)
          language sql stable
          set enable_bitmapscan = off
          as $$ select a.id, a.author_id, a.created_at from social.articles a where a.author_id = author
            order by a.created_at desc, a.id desc limit n $$`,
      ],
    },
    {
      version: 9,
      name: 'tag counters spread over slots (posts with a common tag queued on its row)',
      statements: [
        // One row per tag made every post with that tag wait for the previous one's commit: the feed bench's
        // mix (every post tagged "load") saw posts queue 30-195 ms on the tag's lock while holding pool
        // connections, p99 80-612 ms (docs/perf/results.md). Each tag now counts in 16 rows, as the article
        // total does; a writer adds to one slot (the one it locked, ArticlesStore.replaceTags) and readers sum.
        // A slot may go negative (an article counted in one slot, removed from another): only sums mean
        // anything. Rows are no longer deleted when a tag's sum reaches zero, since that would read other
        // slots' rows while their writers are still open; the tag list filters on the sum instead.
        `alter table social.tag_stats add column slot smallint not null default 0`,
        `alter table social.tag_stats drop constraint tag_stats_pkey`,
        `alter table social.tag_stats add primary key (tag, slot)`,
        `create or replace function social.count_tags() returns trigger language plpgsql as $$
        declare
          -- The slot the writer locked (set with its advisory locks, transaction-local); else one drawn here
          -- for the whole statement (an article's deletion cascading to its tags, a bulk insert).
          spread smallint := coalesce(nullif(current_setting('social.tag_slot', true), '')::smallint, floor(random() * 16)::smallint);
        begin
          -- Rows taken in key order within the one slot (migration 7's reason).
          if tg_op = 'INSERT' then
            insert into social.tag_stats (tag, slot, articles_count) select tag, spread, count(*) from new_rows group by tag order by tag
              on conflict (tag, slot) do update set articles_count = social.tag_stats.articles_count + excluded.articles_count;
          else
            insert into social.tag_stats (tag, slot, articles_count) select tag, spread, -count(*) from old_rows group by tag order by tag
              on conflict (tag, slot) do update set articles_count = social.tag_stats.articles_count + excluded.articles_count;
          end if;
          return null;
        end $$`,
      ],
    },
    {
      version: 10,
      name: 'a statement that changed no articles takes no counter lock',
      statements: [
        // An article is inserted with `on conflict (slug) do nothing`, and a taken slug is retried suffixed in the
        // same transaction. The statement trigger fires for the insert that added nothing, too: version 7 then
        // locked a random article_totals slot to add 0, and the retry locked another, so concurrent posts with one
        // title held slots in random order and deadlocked (8 such posts at once, two processes: 72 of 4,800 answers were 500s).
        // With no rows, nothing is counted and nothing is locked.
        `create or replace function social.count_articles() returns trigger language plpgsql as $$
        declare
          -- Drawn once: random() in the where clause would be drawn per row, matching none or several.
          spread smallint := floor(random() * 16)::smallint;
        begin
          if tg_op = 'INSERT' then
            if not exists (select 1 from new_rows) then
              return null;
            end if;
            update social.article_totals set articles_count = articles_count + (select count(*) from new_rows)
              where slot = spread;
            insert into social.author_stats (author_id, articles_count)
              select author_id, count(*) from new_rows group by author_id order by author_id
              on conflict (author_id) do update set articles_count = social.author_stats.articles_count + excluded.articles_count;
          else
            if not exists (select 1 from old_rows) then
              return null;
            end if;
            update social.article_totals set articles_count = articles_count - (select count(*) from old_rows)
              where slot = spread;
            perform 1 from social.author_stats where author_id in (select author_id from old_rows) order by author_id for update;
            -- No row is made for a deleted author's articles (user deletion removes their stats first).
            update social.author_stats s set articles_count = s.articles_count - d.n
              from (select author_id, count(*) as n from old_rows group by author_id) d where s.author_id = d.author_id;
          end if;
          return null;
        end $$`,
      ],
    },
    {
      version: 11,
      name: 'article views appended to a log, folded into the articles per bucket',
      statements: [
        // The view counter wrote every viewed article's row once a second: ~1,900 row updates a second in the
        // realworld bench's single-article rows, the whole gap between their p99 and the list rows' on PGlite
        // (docs/perf/results.md, "Views go to a log"). A flush now appends a few rows here (one per bucket of
        // article ids), as durable as the update was; ArticleViews folds each bucket's rows into the articles
        // now and then, each article once per fold however many flushes counted it.
        `create table social.article_view_log (
          id bigserial primary key,
          bucket smallint not null,
          article_ids bigint[] not null,
          counts bigint[] not null
        )`,
        // A flush of thousands of articles makes arrays of several kB: stored out of line uncompressed, since
        // they are read back once and compressing them is CPU on the event loop (PGlite) for nothing.
        `alter table social.article_view_log alter column article_ids set storage external, alter column counts set storage external`,
        `create index article_view_log_bucket on social.article_view_log (bucket)`,
      ],
    },
  ],
};
