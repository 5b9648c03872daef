import { Type } from '@sinclair/typebox';

/** Request shapes (types and size limits; what a URL or alias may be is the domain's rule). */
export const NewLinkBody = Type.Object({
  link: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 4096 }),
    alias: Type.Optional(Type.String({ maxLength: 64 })),
    expiresAt: Type.Optional(Type.String({ maxLength: 40 })),
    permanent: Type.Optional(Type.Boolean()),
  }),
});

export const UpdateLinkBody = Type.Object({
  link: Type.Object({ disabled: Type.Boolean() }),
});

export const CodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });

export const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  bucket: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
});
