import { Redis } from 'ioredis';

/**
 * Deletes every key of `url`'s Redis matching `pattern` (SCAN + UNLINK, in batches); returns how many.
 * `url` may be a bus URL: its query (the adapter's options, `?visibility_ms=`...) is not the server's.
 */
export async function dropRedisKeys(url: string, pattern: string): Promise<number> {
  const server = new URL(url);
  server.search = '';
  const redis = new Redis(server.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let dropped = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) dropped += await redis.unlink(...keys);
    } while (cursor !== '0');
    return dropped;
  } finally {
    redis.disconnect();
  }
}
