import type { Static } from '@sinclair/typebox';
import type { ArticleSummary, ArticleView, CommentView, ProfileView } from '../domain/views.js';
import type { ArticleJson, ArticleListItemJson } from './responses.js';

/** RealWorld's JSON shapes. Lists omit `body` (RealWorld since 2024-08). */
export function profileJson(profile: ProfileView) {
  return { username: profile.username, bio: profile.bio, image: profile.image, following: profile.following };
}

export function articleJson(view: ArticleView): Static<typeof ArticleJson> {
  const { slug, title, description, body } = view.article;
  return { slug, title, description, body, ...shared(view) };
}

/** Lists leave out `body` (RealWorld since 2024-08). */
export function articleListItemJson(view: ArticleView<ArticleSummary>): Static<typeof ArticleListItemJson> {
  const { slug, title, description } = view.article;
  return { slug, title, description, ...shared(view) };
}

function shared({ article, favorited, author }: ArticleView<ArticleSummary>) {
  return {
    tagList: article.tagList,
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
    favorited,
    favoritesCount: article.favoritesCount,
    author: profileJson(author),
  };
}

export function articleListJson(list: { articles: ArticleView<ArticleSummary>[]; total: number }) {
  return { articles: list.articles.map(articleListItemJson), articlesCount: list.total };
}

export function commentJson({ comment, author }: CommentView) {
  return {
    id: comment.id,
    createdAt: comment.created_at.toISOString(),
    updatedAt: comment.updated_at.toISOString(),
    body: comment.body,
    author: profileJson(author),
  };
}
