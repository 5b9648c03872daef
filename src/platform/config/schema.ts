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
  /** The hot reads as named prepared statements, planned once per connection (src/platform/db/prepared-statements.ts); false behind PgBouncer in transaction mode. */
  DATABASE_PREPARED_STATEMENTS: Type.Boolean({ default: true }),
  /** Embedded PGlite's shared_buffers in MB (docs/perf/results.md#memory-at-start): initdb's 128 MB grew its WebAssembly memory past the 128 MB it starts with. */
  PGLITE_SHARED_BUFFERS_MB: Type.Integer({ minimum: 1, maximum: 4096, default: 16 }),
  /** V8's optimizing compiler for PGlite's WebAssembly (src/platform/db/pglite-wasm-tier.ts): off, only its baseline compiler. */
  PGLITE_WASM_OPTIMIZE: Type.Boolean({ default: false }),
  /**
   * V8's old generation grows this much past the live set before its next mark-compact (src/platform/runtime/heap-growing.ts):
   * 100 = a factor of 2; 0 = V8's own factor, which under the feed bench's mix marks every 11-21 s.
   */
  HEAP_GROWING_PERCENT: Type.Integer({ minimum: 0, maximum: 400, default: 100 }),
  // Event bus and jobs (docs/adr/0005-bus-adapters.md): unset = in process; amqp:// RabbitMQ, nats:// NATS JetStream, redis:// Redis.
  BUS_URL: Type.Optional(Type.String({ pattern: '^(amqps?|nats|rediss?)://' })),
  /** Prefix of every topic, group, queue and cron claim on the broker, so deployments or test runs can share one (src/platform/bus/namespaced-transport.ts). */
  BUS_NAMESPACE: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,40}$' })),
  // Retention of the platform's tables, pruned by a cron job (src/platform/bus/retention.ts, docs/patterns/cron.md).
  /** Sent outbox rows are kept this long (and re-sent if the broker comes back without its data). */
  BUS_RETENTION_OUTBOX_S: Type.Integer({ minimum: 60, default: 3600 }),
  /** Applied event ids are remembered this long per consumer; must be longer than BUS_RETENTION_OUTBOX_S. */
  BUS_RETENTION_INBOX_S: Type.Integer({ minimum: 120, default: 604_800 }),
  /** Finished 202 jobs (status and result) are kept this long. */
  BUS_RETENTION_JOBS_S: Type.Integer({ minimum: 60, default: 86_400 }),
  /** How often the retention job runs (once per tick across every process). */
  BUS_RETENTION_EVERY_S: Type.Integer({ minimum: 1, default: 600 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  LOG_PRETTY: Type.Optional(Type.Boolean()),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  JWT_TTL_SECONDS: Type.Integer({ minimum: 60, default: 86_400 }),
  /** A refresh token's lifetime from its issue (each rotation starts a new one); docs/patterns/refresh-tokens.md. */
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 2_592_000 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Origins a browser page may call the API from (src/platform/http/plugins/cors.ts): `*`, `none`, or a comma-separated list. */
  CORS_ORIGINS: Type.String({ pattern: '^(\\*|none|https?://[^\\s,/]+(\\s*,\\s*https?://[^\\s,/]+)*)$', default: '*' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  // OWASP's minimum argon2id profile (19 MiB, t=2, p=1): safe, and cheap enough to seed thousands of users.
  ARGON2_MEMORY_KIB: Type.Integer({ minimum: 1024, default: 19_456 }),
  ARGON2_TIME_COST: Type.Integer({ minimum: 1, default: 2 }),
  // Cache (docs/patterns/caching.md). Without REDIS_URL the cache is L1 (in process) alone.
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  CACHE_ENABLED: Type.Boolean({ default: true }),
  CACHE_PREFIX: Type.String({ minLength: 1, default: 'scalestack' }),
  /** Prefix of every key the system writes in Redis (cache, timelines, bus, rate limits, discovery); unset = CACHE_PREFIX. */
  REDIS_PREFIX: Type.Optional(Type.String({ minLength: 1, pattern: '^[^\\s{}]+$' })),
  CACHE_TTL_PROFILE_S: Type.Integer({ minimum: 1, default: 300 }),
  CACHE_TTL_ARTICLE_S: Type.Integer({ minimum: 1, default: 60 }),
  CACHE_TTL_TAGS_S: Type.Integer({ minimum: 1, default: 300 }),
  /** Short links and their negative entries (unknown codes); a link's own writes refresh it at once. */
  CACHE_TTL_LINK_S: Type.Integer({ minimum: 1, default: 300 }),
  /** Each TTL is shortened by up to this fraction at random, so keys written together do not expire together. */
  CACHE_TTL_JITTER: Type.Number({ minimum: 0, maximum: 0.5, default: 0.1 }),
  /** How long past its TTL a value may still be served while its source is failing. */
  CACHE_GRACE_S: Type.Integer({ minimum: 0, default: 300 }),
  /** A reload slower than this serves the graced value (if any) and finishes in the background. */
  CACHE_SOFT_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 1000 }),
  /** A reload slower than this fails the request. */
  CACHE_HARD_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5000 }),
  CACHE_L1_MAX_ITEMS: Type.Integer({ minimum: 100, default: 100_000 }),
  /** The near cache: live objects in front of L1/L2 for repeat reads (docs/patterns/caching.md). */
  CACHE_NEAR_ENABLED: Type.Boolean({ default: true }),
  CACHE_NEAR_MAX_ITEMS: Type.Integer({ minimum: 100, default: 20_000 }),
  /**
   * Refresh-ahead: a read that finds a near copy past this share of its TTL (0.8, say) reloads it in the background,
   * so a key read often never expires under its readers; 1 (the default) is off. Opt-in: it costs loads nobody
   * waited for, and the feed bench did not show it paying for them (docs/patterns/caching.md). A copy is never
   * served past its TTL either way.
   */
  CACHE_REFRESH_AHEAD: Type.Number({ minimum: 0.5, maximum: 1, default: 1 }),
  /**
   * Write-behind counters are flushed to Postgres this often, and at shutdown: what a crash can lose. Article views
   * are appended to their log (social.article_view_log), links' click counts added to their rows.
   */
  WRITE_BEHIND_FLUSH_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /**
   * Most counters written per statement of a flush of links' click counts; the event loop runs between
   * statements. On PGlite (one connection, on the event loop) a statement holds every request: in the realworld
   * bench's single-article rows a batch of 200 article rows took ~8 ms and one of 50 ~4 ms, for the same total
   * (docs/perf/results.md, "The view counter's flush lets requests in between its batches").
   */
  WRITE_BEHIND_BATCH_KEYS: Type.Integer({ minimum: 1, default: 50 }),
  /**
   * How often the article view log is folded into articles.views_count (and at shutdown): each article viewed
   * since the last fold is updated once, however many flushes counted it. views_count lags by up to this much;
   * nothing is lost meanwhile, the log is in Postgres (docs/patterns/caching.md, "Write-behind").
   */
  ARTICLE_VIEWS_FOLD_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  // Home feed (docs/patterns/feed.md): pull (fan-out on read), push (on write), hybrid (push, but followed
  // celebrities are merged at read time).
  FEED_STRATEGY: Type.Union([Type.Literal('pull'), Type.Literal('push'), Type.Literal('hybrid')], { default: 'hybrid' }),
  /** Under hybrid, authors with at least this many followers are not fanned out; their posts are merged at read. */
  FEED_CELEBRITY_THRESHOLD: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Entries kept per timeline (Twitter's published cap). */
  FEED_TIMELINE_CAP: Type.Integer({ minimum: 10, maximum: 100_000, default: 800 }),
  /** Followers who have not read their feed for this long get no fan-out; their timeline expires and is rebuilt on return. */
  FEED_INACTIVE_DAYS: Type.Integer({ minimum: 1, default: 30 }),
  /** Without REDIS_URL: timelines kept in the process at most (least recently read evicted; rebuilt on their next read). */
  FEED_MEMORY_TIMELINES: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Followers per fan-out job. */
  FEED_FANOUT_CHUNK: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  // --- edge and topology (docs/patterns/gateway.md, docs/patterns/rate-limiting.md)
  /** HMAC key the gateway signs the verified identity with; services trust x-user-id only with a valid signature. */
  INTERNAL_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  /** A gateway (or internal) signature older than this is refused: replay window (docs/adr/0018-internal-trust-and-admin.md). */
  INTERNAL_SIG_MAX_AGE_MS: Type.Integer({ minimum: 1000, maximum: 60_000, default: 10_000 }),
  /** Clock slack: how far in the future a signature's time may be. */
  INTERNAL_SIG_MAX_FUTURE_MS: Type.Integer({ minimum: 0, maximum: 10_000, default: 2_000 }),
  /**
   * How a process calls a service that runs in another process (ADR 0038): signed HTTP to /internal/<service>, or
   * gRPC (the catalog's reservations first). Co-located services call each other in process either way.
   */
  INTERNAL_TRANSPORT: Type.Union([Type.Literal('http'), Type.Literal('grpc')], { default: 'http' }),
  /** With INTERNAL_TRANSPORT=grpc, the port of the catalog's gRPC server (0: any free port, found through /internal/catalog/grpc). */
  CATALOG_GRPC_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 0 }),
  /** Bearer token for admin endpoints: the gateway's /metrics and /gateway/upstreams, the supervisor's /restart and /replicas (refused without it). */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Peers whose X-Forwarded-For is believed (Fastify trustProxy: comma list of addresses/CIDRs); unset = none, the peer is the client. */
  TRUSTED_PROXIES: Type.Optional(Type.String({ minLength: 1 })),
  RATE_LIMIT_ENABLED: Type.Boolean({ default: true }),
  /** Development and drills only: route Redis, the broker and read replicas through in-process fault proxies the console's faults panel controls. */
  CONSOLE_FAULTS: Type.Boolean({ default: false }),
  /** Set by `scalestack start --topology` for its replicas: the supervisor's admin endpoint, where the console lists and kills replicas. */
  SUPERVISOR_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /**
   * `start --topology services --autoscale`: most replicas per service; unset = as many as fit the host's cores
   * (os.availableParallelism() / REPLICA_CPU_LIMIT, or the cores without a limit), past which a replica adds no capacity.
   */
  AUTOSCALE_MAX_REPLICAS: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  /**
   * `start --topology`: each replica's CPU limit in cores (0.3 = 30 ms of every 100 ms), enforced by the kernel's cgroup
   * cpu controller as a container's `limits.cpu` is (needs root, or a writable cgroup mount); the autoscaler reads a
   * replica's CPU against it. Unset: replicas share the host's cores unlimited.
   */
  REPLICA_CPU_LIMIT: Type.Optional(Type.Number({ minimum: 0.05, maximum: 64 })),
  /**
   * `start --topology`: where V8 collects each replica's garbage. `parallel` (V8's default): on helper threads beside the
   * event loop, whose CPU counts against the replica's CFS quota under REPLICA_CPU_LIMIT; `main-thread`
   * (`--single-threaded-gc`): on the event loop's thread alone (docs/deploy.md#local-autoscaler has the runs of both).
   */
  REPLICA_GC: Type.Union([Type.Literal('parallel'), Type.Literal('main-thread')], { default: 'parallel' }),
  /**
   * `start --topology`/`--workers`: Postgres connections every replica of the topology may hold together, at its most
   * replicas (docs/deploy.md#local-autoscaler); each replica's pool is this share (never more than DATABASE_POOL_MAX).
   * 80 leaves 20 of Postgres' default max_connections 100 for its reserved superuser slots, migrations and admin sessions.
   */
  DATABASE_CONNECTION_BUDGET: Type.Integer({ minimum: 1, maximum: 100_000, default: 80 }),
  /** JSON array of rate-limit policies replacing the defaults (src/platform/ratelimit/policies.ts). */
  RATE_LIMITS: Type.Optional(Type.String({ minLength: 2 })),
  /** Which services this process runs (comma list); unset = all. */
  SERVICES: Type.Optional(Type.String({ pattern: '^[a-z]+(,[a-z]+)*$' })),
  /** Services this process calls over HTTP: `identity=http://127.0.0.1:7001,http://127.0.0.1:7002;...`. */
  REMOTE_SERVICES: Type.Optional(Type.String({ minLength: 1 })),
  GATEWAY_BALANCER: Type.Union(
    ['round-robin', 'least-connections', 'ip-hash', 'consistent-hash', 'power-of-two'].map((l) => Type.Literal(l)),
    { default: 'round-robin' },
  ),
  GATEWAY_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 2000 }),
  GATEWAY_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 10, default: 500 }),
  GATEWAY_MAX_HEADER_BYTES: Type.Integer({ minimum: 1024, default: 16_384 }),
  UPSTREAM_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 10_000 }),
  /** Tries of one request across replicas (retries within the retry budget, docs/patterns/gateway.md); 1 = no retry (the chaos suite's broken build). */
  GATEWAY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 5, default: 3 }),
  /** `scalestack gateway` alone: fixed replicas (`social=http://a,http://b;identity=http://c`); unset = discovery in Redis (REDIS_URL). */
  GATEWAY_UPSTREAMS: Type.Optional(Type.String({ minLength: 1 })),
  /** Multi-host discovery: with REDIS_URL, heartbeat this process's services into the Redis registry under this URL (how gateways reach it). */
  ANNOUNCE_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  // --- observability (docs/patterns/observability.md)
  /** OTLP/HTTP collector (Jaeger, Tempo, an OTel Collector), e.g. http://127.0.0.1:4318: spans are exported there; unset = ids in logs and headers only. */
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** The trace's service name; default `scalestack-<SERVICES or "all">`. */
  OTEL_SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 })),
  /** Loki base URL (e.g. http://127.0.0.1:3100): log lines are also pushed there, in batches. */
  LOKI_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  // --- links (docs/patterns/url-shortener.md, docs/patterns/olap-archival.md)
  /** The origin short URLs are printed with (`<base>/<code>`); unset = the request's own origin. */
  LINKS_BASE_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+$' })),
  /** Hosts no link may point to (comma list; a host matches itself and its subdomains). */
  LINKS_BLOCKLIST: Type.Optional(Type.String({ minLength: 1 })),
  /** Click events older than this many days are moved to Parquet archives by the archival job. */
  LINKS_ARCHIVE_AFTER_DAYS: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  /** How often the archival job runs (once per tick across processes sharing the bus). */
  LINKS_ARCHIVE_EVERY_S: Type.Integer({ minimum: 10, default: 3600 }),
  /** Spread links over these databases (comma list of postgres:// URLs) by the hash of their short code; unset = one database. */
  LINKS_SHARDS: Type.Optional(Type.String({ minLength: 1 })),
  // --- catalog (docs/patterns/search.md, docs/patterns/blob-storage.md)
  /** Catalog product pages and category listings: cache-aside, invalidated by tag on every change. */
  CACHE_TTL_PRODUCT_S: Type.Integer({ minimum: 1, default: 300 }),
  /** Catalog search/listing answers: briefly (a stock change elsewhere shows within this). */
  CACHE_TTL_SEARCH_S: Type.Integer({ minimum: 1, default: 10 }),
  /** Spread products over this many databases (the data layer's hash strategy); unset = one database. */
  CATALOG_SHARDS: Type.Optional(Type.String({ minLength: 1 })),
  /** Blob storage (docs/patterns/blob-storage.md) for product images and archived click days: unset = files under DATA_DIR/blobs (click days: DATA_DIR/links/archive); `s3://bucket[/prefix]?endpoint=&region=` = S3 or compatible (credentials: the AWS_* variables). */
  BLOB_URL: Type.Optional(Type.String({ pattern: '^s3://[^/?#]+' })),
  /** A product image upload larger than this gets 413 and stores nothing. */
  CATALOG_IMAGE_MAX_BYTES: Type.Integer({ minimum: 1024, maximum: 104_857_600, default: 10_485_760 }),
  /** With an s3:// BLOB_URL: image GETs redirect (302) to a URL presigned for this long instead of passing the bytes; 0 = pass them. */
  CATALOG_IMAGE_REDIRECT_S: Type.Integer({ minimum: 0, maximum: 604_800, default: 0 }),
  // --- notifications (docs/patterns/live-push.md, docs/patterns/webhooks.md)
  /** Live streams: a heartbeat (SSE comment, WebSocket ping) this often, so idle connections stay open through proxies. */
  NOTIFICATIONS_HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 15_000 }),
  /** A live client with more unsent bytes than this is dropped ("slow consumer") rather than buffered. */
  NOTIFICATIONS_LIVE_MAX_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 262_144 }),
  /** Webhooks may not be delivered to private, loopback or link-local addresses, except these CIDRs (`127.0.0.1/32` for a local receiver). */
  WEBHOOK_ALLOW_PRIVATE: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F.:]+/\\d{1,3}(\\s*,\\s*[0-9a-fA-F.:]+/\\d{1,3})*$' })),
  /** The waits between a failed delivery's attempts (each ±20% jitter), e.g. `5s,30s,2m`; after the last, the delivery is dead-lettered. The default spans about a day. */
  WEBHOOK_RETRY_SCHEDULE: Type.String({ pattern: '^\\d+(ms|s|m|h)(,\\d+(ms|s|m|h))*$', default: '5s,30s,2m,10m,30m,1h,2h,4h,8h,8h' }),
  /** An endpoint every attempt to which has failed for this long is disabled (its owner re-enables it). */
  WEBHOOK_DISABLE_AFTER_MS: Type.Integer({ minimum: 0, default: 5 * 24 * 3_600_000 }),
  /** One attempt's whole exchange (connect, send, answer). */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
  /** A receiver's answer is read up to this size; a larger one fails the attempt. */
  WEBHOOK_MAX_RESPONSE_BYTES: Type.Integer({ minimum: 0, default: 65_536 }),
  /** Attempts in flight at once per process. */
  WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
  /** How often the delivery queue is looked at when no new notification woke it (retries fall due; other processes' work). */
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /** After a secret rotation, the previous secret also signs for this long, so receivers can switch without a gap. */
  WEBHOOK_ROTATION_OVERLAP_MS: Type.Integer({ minimum: 0, default: 24 * 3_600_000 }),
  /** Email goes to this SMTP server (`smtp://user:pass@host:587`, `smtps://...`); unset: an in-process SMTP sink, its messages at GET /api/admin/mail (docs/patterns/email.md). */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  /** The From of notification emails. */
  EMAIL_FROM: Type.String({ minLength: 3, default: 'scalestack <notifications@scalestack.invalid>' }),
  /** 0: one email per notification, sent at once; N: a user's notifications gathered into one digest email every N minutes. */
  EMAIL_DIGEST_MINUTES: Type.Integer({ minimum: 0, maximum: 10_080, default: 0 }),
  // --- read replicas (docs/patterns/read-replicas.md); need DATABASE_URL
  /** Streaming replicas of DATABASE_URL (comma list): GET/HEAD requests read from them, with read-your-writes per user. */
  DATABASE_REPLICA_URLS: Type.Optional(Type.String({ pattern: '^(postgres|postgresql)://[^,\\s]+(,(postgres|postgresql)://[^,\\s]+)*$' })),
  /** A replica lagging more than this leaves rotation until it catches up. */
  DATABASE_REPLICA_MAX_LAG_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /** How often each replica's health and lag are checked. */
  DATABASE_REPLICA_CHECK_MS: Type.Integer({ minimum: 10, default: 250 }),
  /** PgBouncer's admin console (postgres://postgres@127.0.0.1:6432/pgbouncer): its SHOW POOLS on /metrics (docs/patterns/connection-pooling.md). */
  PGBOUNCER_ADMIN_URL: Type.Optional(Type.String({ pattern: '^(postgres|postgresql)://' })),
  // --- orders (docs/patterns/saga.md, docs/patterns/idempotency-keys.md)
  /** A cart untouched this long is forgotten (Redis EXPIRE, or the in-process store's clock). */
  CART_TTL_S: Type.Integer({ minimum: 1, default: 604_800 }),
  /** An Idempotency-Key's answer is replayed this long (the IETF draft and Stripe: 24 h). */
  IDEMPOTENCY_TTL_S: Type.Integer({ minimum: 1, default: 86_400 }),
  /** A retry arriving while the first request with its key is in flight waits this long for its answer, then gets 409. */
  IDEMPOTENCY_WAIT_MS: Type.Integer({ minimum: 0, default: 3000 }),
  /** The payment provider's base URL; unset = the fake provider (src/tools/payment-provider) started in process. */
  PAYMENT_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** A charge or refund call gives up after this long (then retried: the provider is idempotent). */
  PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /** Attempts of one saga step before its job is dead-lettered and the order marked needs_attention. */
  ORDERS_SAGA_ATTEMPTS: Type.Integer({ minimum: 1, default: 8 }),
  /**
   * The Standard Webhooks secret (whsec_ + base64) the payment provider signs its webhooks with, checked by
   * POST /api/orders/webhooks/payments; unset with the in-process provider: one is generated for the run.
   */
  PAYMENT_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9+/]{16,}={0,2}$' })),
  /** A webhook whose timestamp is further than this from now is refused (replay window, Standard Webhooks: 5 minutes). */
  PAYMENT_WEBHOOK_TOLERANCE_S: Type.Integer({ minimum: 1, maximum: 3600, default: 300 }),
});

export type Config = Static<typeof ConfigSchema>;
