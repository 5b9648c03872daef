import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export interface TokenService {
  sign(userId: number): Promise<string>;
  /** The user id the token was issued to, or null when forged, expired or malformed. */
  verify(token: string): Promise<number | null>;
}

const ISSUER = 'scalestack';

/** HS256 JWTs (jose). The subject is the user id; nothing else is trusted from the token. */
export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const key = new TextEncoder().encode(secret);
  return {
    sign: (userId) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
        const id = Number(payload.sub);
        return Number.isSafeInteger(id) && id > 0 ? id : null;
      } catch (err) {
        if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
        throw err;
      }
    },
  };
}

/** `Token <jwt>` (RealWorld) or `Bearer <jwt>`; anything else is not a token. */
export function tokenFromHeader(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:Token|Bearer) +(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
