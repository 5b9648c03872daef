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

/**
 * A profile image is an absolute http(s) URL (or blank/null, which clears it):
 * front ends put it in <img src>, so `javascript:`, `data:`, relative and
 * scheme-relative URLs are refused. Scheme case-insensitive; a host, and no
 * user@ part (a phishing disguise), no whitespace or control characters.
 */
const imageUrl = Type.Union([
  Type.String({ maxLength: 2048, description: 'must be an http(s) URL', pattern: '^([hH][tT][tT][pP][sS]?://[^\\s\\u0000-\\u001f\\u007f/?#@]+([/?#][^\\s\\u0000-\\u001f\\u007f]*)?|\\s*)$' }),
  Type.Null(),
]);

// null for email/username/password passes the schema so the domain can answer RealWorld's "can't be blank".
export const UpdateBody = Type.Object({
  user: Type.Object(
    {
      email: Type.Optional(nullableText(254)),
      username: Type.Optional(nullableText(64)),
      password: Type.Optional(nullableText(1024)),
      bio: Type.Optional(nullableText(10_000)),
      image: Type.Optional(imageUrl),
    },
    { minProperties: 1 },
  ),
});

/**
 * A refresh token as handed out: 43 base64url characters (256 bits). Anything else is refused by shape (422) before
 * it is hashed; a well-formed token the server does not know is a 401.
 */
export const RefreshBody = Type.Object({
  refreshToken: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});
