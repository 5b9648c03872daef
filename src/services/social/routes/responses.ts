import { Type } from '@sinclair/typebox';

/**
 * Response shapes of the article routes. Fastify compiles each into a
 * serializer (fast-json-stringify), cheaper than JSON.stringify on the
 * hottest routes, and the type provider checks handlers against them.
 */
const nullableString = Type.Union([Type.String(), Type.Null()]);

const ProfileJson = Type.Object({
  username: Type.String(),
  bio: nullableString,
  image: nullableString,
  following: Type.Boolean(),
});

// In the spec's key order: the compiled serializer writes keys in the schema's order.
const head = { slug: Type.String(), title: Type.String(), description: Type.String() };
const tail = {
  tagList: Type.Array(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  favorited: Type.Boolean(),
  favoritesCount: Type.Integer(),
  author: ProfileJson,
};

export const ArticleJson = Type.Object({ ...head, body: Type.String(), ...tail });
/** Lists leave out `body` (RealWorld since 2024-08). */
export const ArticleListItemJson = Type.Object({ ...head, ...tail });

export const SingleArticle = Type.Object({ article: ArticleJson });
export const ArticleList = Type.Object({ articles: Type.Array(ArticleListItemJson), articlesCount: Type.Integer() });
