import type { Generated } from 'kysely';

/** The social schema as Kysely sees it; mirrors ../migrations.ts. */
export interface SocialTables {
  'social.follows': { follower_id: number; followee_id: number; created_at: Generated<Date> };
  'social.articles': {
    id: Generated<number>;
    slug: string;
    title: string;
    description: string;
    body: string;
    author_id: number;
    favorites_count: Generated<number>;
    views_count: Generated<number>;
    /** Sorted copy of the article's rows in article_tags, set by ArticlesStore.insert and kept by replaceTags. */
    tag_list: Generated<string[]>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  'social.article_tags': { article_id: number; tag: string };
  /** Views counted but not yet added to articles.views_count: one row per flush and bucket (ArticleViews). */
  'social.article_view_log': { id: Generated<number>; bucket: number; article_ids: number[]; counts: number[] };
  'social.favorites': { user_id: number; article_id: number; created_at: Generated<Date> };
  'social.feed_readers': { user_id: number; last_read_at: Date };
  /** Followers kept by FollowsStore; articles by a trigger (migration 6). */
  'social.author_stats': { author_id: number; followers_count: Generated<number>; articles_count: Generated<number> };
  /** The article total in 16 slots (sum them), kept by a trigger. */
  'social.article_totals': { slot: number; articles_count: number };
  /** Articles per tag in up to 16 slots (sum them: one slot may be negative), kept by a trigger; a tag whose slots sum to 0 is off the list. */
  'social.tag_stats': { tag: string; slot: number; articles_count: number };
  'social.comments': {
    id: Generated<number>;
    article_id: number;
    author_id: number;
    body: string;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
}
