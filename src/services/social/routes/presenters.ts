import type { ArticleView, CommentView, ProfileView } from '../domain/views.js';

/** RealWorld's JSON shapes. Lists omit `body` (RealWorld since 2024-08). */
export function profileJson(profile: ProfileView) {
  return { username: profile.username, bio: profile.bio, image: profile.image, following: profile.following };
}

export function articleJson(view: ArticleView) {
  return articleShape(view, view.article.body);
}

export function articleListItemJson(view: ArticleView) {
  return articleShape(view, undefined);
}

/** One shape for both, in the spec's key order; `body` is left out of list items. */
function articleShape({ article, favorited, author }: ArticleView, body: string | undefined) {
  return {
    slug: article.slug,
    title: article.title,
    description: article.description,
    ...(body !== undefined ? { body } : {}),
    tagList: article.tagList,
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
    favorited,
    favoritesCount: article.favoritesCount,
    author: profileJson(author),
  };
}

export function articleListJson(list: { articles: ArticleView[]; total: number }) {
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
