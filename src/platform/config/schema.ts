import { Type, type Static } from '@sinclair/typebox';

/**
 * Every setting of the system, in one place. Names are the environment
 * variables; defaults give the embedded, nothing-installed setup.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  DATA_DIR: Type.String({ minLength: 1, default: './.data' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^(postgres|postgresql)://' })),
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOG_PRETTY: Type.Optional(Type.Boolean()),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_TTL_SECONDS: Type.Integer({ minimum: 60, default: 86_400 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  // OWASP's minimum argon2id profile (19 MiB, t=2, p=1): safe, and cheap enough to seed thousands of users.
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 1024, default: 19_456 }),
  ARGON2_TIME_COST: Type.Integer({ minimum: 1, default: 2 }),
  FEED_STRATEGY: Type.Union([Type.Literal('pull')], { default: 'pull' }),
});

export type Config = Static<typeof ConfigSchema>;
