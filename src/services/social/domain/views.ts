import type { ArticleRecord } from '../data/articles.store.js';
import type { CommentRow } from '../data/comments.store.js';

/** A profile as one viewer sees it. */
export interface ProfileView {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}

/** An article as one viewer sees it: the shared record plus the viewer's flags. */
export interface ArticleView {
  article: ArticleRecord;
  favorited: boolean;
  author: ProfileView;
}

export interface CommentView {
  comment: CommentRow;
  author: ProfileView;
}

export interface ArticleList {
  articles: ArticleView[];
  total: number;
}
