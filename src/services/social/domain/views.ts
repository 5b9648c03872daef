import type { ArticleRow } from '../data/articles.store.js';
import type { CommentRow } from '../data/comments.store.js';

/** A profile as one viewer sees it. */
export interface ProfileView {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}

export interface ArticleView {
  article: ArticleRow;
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
