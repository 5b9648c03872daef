import { Type } from '@sinclair/typebox';

/** Request shapes (types and size limits here; blank rules live in the domain). */
const tagList = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 20 });

export const NewArticleBody = Type.Object({
  article: Type.Object({
    title: Type.String({ maxLength: 300 }),
    description: Type.String({ maxLength: 1000 }),
    body: Type.String({ maxLength: 200_000 }),
    tagList: Type.Optional(tagList),
  }),
});

export const UpdateArticleBody = Type.Object({
  article: Type.Object({
    title: Type.Optional(Type.String({ maxLength: 300 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    body: Type.Optional(Type.String({ maxLength: 200_000 })),
    tagList: Type.Optional(tagList),
  }),
});

export const NewCommentBody = Type.Object({
  comment: Type.Object({ body: Type.String({ maxLength: 20_000 }) }),
});

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

export const ListQuery = Type.Composite([
  PageQuery,
  Type.Object({
    tag: Type.Optional(Type.String({ maxLength: 64 })),
    author: Type.Optional(Type.String({ maxLength: 64 })),
    favorited: Type.Optional(Type.String({ maxLength: 64 })),
  }),
]);

export const SlugParams = Type.Object({ slug: Type.String({ maxLength: 200 }) });
export const UsernameParams = Type.Object({ username: Type.String({ maxLength: 64 }) });
export const CommentParams = Type.Object({
  slug: Type.String({ maxLength: 200 }),
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});
