import { Redis } from 'ioredis';

/** The Redis server integration tests use (TEST_REDIS_URL; the machine's own by default). */
export const TEST_REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Why Redis cannot be used (for skipUnlessAvailable), or null when it answers. */
export async function redisUnavailable(url = TEST_REDIS_URL): Promise<string | null> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  try {
    await probe.connect();
    await probe.ping();
    return null;
  } catch (err) {
    return `Redis not reachable at ${url} (${(err as Error).message}); set TEST_REDIS_URL`;
  } finally {
    probe.disconnect();
  }
}
