import { Type } from '@sinclair/typebox';

/** Request shapes (types are checked here; blank and length rules live in the domain). */
const text = (maxLength: number) => Type.String({ maxLength });
const nullableText = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);

export const RegisterBody = Type.Object({
  user: Type.Object({ username: text(64), email: text(254), password: text(1024) }),
});

export const LoginBody = Type.Object({
  user: Type.Object({ email: text(254), password: text(1024) }),
});

// null for email/username/password passes the schema so the domain can answer RealWorld's "can't be blank".
export const UpdateBody = Type.Object({
  user: Type.Object(
    {
      email: Type.Optional(nullableText(254)),
      username: Type.Optional(nullableText(64)),
      password: Type.Optional(nullableText(1024)),
      bio: Type.Optional(nullableText(10_000)),
      image: Type.Optional(nullableText(2048)),
    },
    { minProperties: 1 },
  ),
});
