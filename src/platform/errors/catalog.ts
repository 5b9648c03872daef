import { AppError } from './app-error.js';

/**
 * Every error the system answers with, by stable code (like Fastify's
 * errors.js). Codes never change meaning; the message strings are RealWorld's.
 * The code travels in the `x-error-code` response header.
 */
export const errors = {
  /** 422: a field is missing, blank, or of the wrong shape. */
  validation: (fields: Record<string, string[]>) => new AppError('SS_VALIDATION', 422, fields),
  blank: (field: string) => new AppError('SS_VALIDATION', 422, { [field]: ["can't be blank"] }),
  /** 400: the body is not JSON at all. */
  malformedBody: (detail: string) => new AppError('SS_MALFORMED_BODY', 400, { body: [detail] }),
  /** 413: the body is over BODY_LIMIT_BYTES. */
  bodyTooLarge: (limit: number) =>
    new AppError('SS_BODY_TOO_LARGE', 413, { body: [`is larger than ${limit} bytes`] }),
  /** 415: a body that is not application/json. */
  unsupportedMediaType: (type: string) =>
    new AppError('SS_UNSUPPORTED_MEDIA_TYPE', 415, { body: [`content type ${type} is not supported`] }),
  /** 400 or 414: the URL itself is unusable (bad encoding, a NUL byte, a path segment over the limit). */
  badUrl: (detail: string, status: 400 | 414 = 400) => new AppError('SS_BAD_URL', status, { url: [detail] }),
  /** 400 (or another 4xx the HTTP layer raised): a request malformed below the level of its fields. */
  badRequest: (detail: 'is invalid' | 'is malformed' = 'is invalid', status = 400) => new AppError('SS_BAD_REQUEST', status, { request: [detail] }),
  /** 401: authentication required and absent. */
  tokenMissing: () => new AppError('SS_TOKEN_MISSING', 401, { token: ['is missing'] }),
  /** 401: a token was sent but is forged, expired, malformed or for a user that no longer exists. */
  tokenInvalid: () => new AppError('SS_TOKEN_INVALID', 401, { token: ['is invalid'] }),
  /**
   * 401: a refresh token that is unknown, expired, revoked (logout, password change, reuse of its family) or already
   * used (which revokes its family). One answer for all: sign in again.
   */
  refreshTokenInvalid: () => new AppError('SS_REFRESH_TOKEN_INVALID', 401, { refreshToken: ['is invalid'] }),
  /** 401: bad login. */
  badCredentials: () => new AppError('SS_BAD_CREDENTIALS', 401, { credentials: ['invalid'] }),
  /** 403: the resource belongs to someone else. */
  forbidden: (subject: 'article' | 'comment' | 'link') => new AppError('SS_FORBIDDEN', 403, { [subject]: ['forbidden'] }),
  /** 403: the route needs a role (e.g. admin) the signed-in user does not have. */
  roleRequired: (role: string) => new AppError('SS_ROLE_REQUIRED', 403, { role: [`${role} required`] }),
  /** 409: a unique field of another resource is taken (e.g. a product's sku). */
  conflict: (field: string) => new AppError('SS_CONFLICT', 409, { [field]: ['has already been taken'] }),
  /** 409: not enough stock for a reservation. */
  outOfStock: () => new AppError('SS_OUT_OF_STOCK', 409, { stock: ['insufficient'] }),
  /** 405: the path is served, not under this method; the answer's `Allow` lists the methods it is. */
  methodNotAllowed: (method: string) => new AppError('SS_METHOD_NOT_ALLOWED', 405, { method: [`${method} is not allowed here`] }),
  /** 404: no such resource (or route). */
  notFound: (subject: string) => new AppError('SS_NOT_FOUND', 404, { [subject]: ['not found'] }),
  /** 409: a unique field is taken. */
  taken: (...fields: ('username' | 'email' | 'alias')[]) =>
    new AppError('SS_CONFLICT', 409, Object.fromEntries(fields.map((f) => [f, ['has already been taken']]))),
  /** 410: the resource existed and is gone for good (an expired or disabled short link). */
  gone: (subject: string, detail: string) => new AppError('SS_GONE', 410, { [subject]: [detail] }),
  /** 503: not ready (starting, draining or a dependency is down). */
  unavailable: (subject: string) => new AppError('SS_UNAVAILABLE', 503, { [subject]: ['unavailable'] }),
  /** 429: a rate-limit policy is exhausted; Retry-After says when to come back. */
  rateLimited: (policy: string) => new AppError('SS_RATE_LIMITED', 429, { rate: [`limit "${policy}" exceeded`] }),
  /** 502/503: no healthy upstream (all ejected, breaker open) or the upstream failed. */
  upstreamUnavailable: (service: string, status: 502 | 503 = 503) =>
    new AppError('SS_UPSTREAM_UNAVAILABLE', status, { [service]: ['unavailable'] }),
  /** 504: the upstream did not answer within the route's timeout. */
  timeout: (service: string) => new AppError('SS_TIMEOUT', 504, { [service]: ['timed out'] }),
  /** 503: the gateway sheds load (event-loop delay or in-flight requests over the limit). */
  overloaded: () => new AppError('SS_OVERLOADED', 503, { server: ['overloaded, retry later'] }),
  /** 431: request headers over the gateway's limit. */
  headersTooLarge: () => new AppError('SS_HEADERS_TOO_LARGE', 431, { headers: ['are too large'] }),
  /** 409: one at a time, and one is under way (the console's load run). */
  busy: (subject: string) => new AppError('SS_CONFLICT', 409, { [subject]: ['is already running'] }),
  /** 400: a route that needs an Idempotency-Key got none (or one over 255 characters). */
  idempotencyKeyMissing: () => new AppError('SS_IDEMPOTENCY_KEY_MISSING', 400, { 'idempotency-key': ['is missing or invalid'] }),
  /** 422: an Idempotency-Key sent again with a different request body (IETF idempotency-key draft). */
  idempotencyKeyReused: () => new AppError('SS_IDEMPOTENCY_KEY_REUSED', 422, { 'idempotency-key': ['was used with another request'] }),
  /** 409: the first request with this Idempotency-Key is still being processed; retry later. */
  idempotencyKeyInFlight: () => new AppError('SS_IDEMPOTENCY_KEY_IN_FLIGHT', 409, { 'idempotency-key': ['is in use by a request in progress'] }),
  /** 422: an order from an empty cart. */
  emptyCart: () => new AppError('SS_EMPTY_CART', 422, { cart: ['is empty'] }),
  /**
   * 401: a webhook (Standard Webhooks) whose signature does not verify under the receiver's secret, or whose
   * timestamp is outside the replay window.
   */
  webhookUnverified: (field: 'signature' | 'timestamp') =>
    new AppError('SS_WEBHOOK_UNVERIFIED', 401, { [field]: [field === 'signature' ? 'is invalid' : 'is outside the replay window'] }),
  /** 500: a bug. The body never carries the cause; the log does. */
  internal: () => new AppError('SS_INTERNAL', 500, { server: ['internal error'] }),
} as const;

export { AppError };
