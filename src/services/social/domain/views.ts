import type { ArticleRecord, ArticleSummary } from '../data/articles.store.js';
export type { ArticleSummary };
import type { CommentRow } from '../data/comments.store.js';

/** A profile as one viewer sees it. */
export interface ProfileView {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}

/** An article as one viewer sees it: the shared record (a summary in lists, the whole record alone) plus the viewer's flags. */
export interface ArticleView<A extends ArticleSummary = ArticleRecord> {
  article: A;
  favorited: boolean;
  author: ProfileView;
}

export interface CommentView {
  comment: CommentRow;
  author: ProfileView;
}

export interface ArticleList {
  articles: ArticleView<ArticleSummary>[];
  total: number;
}
