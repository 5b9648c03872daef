import type { Cache } from '../../../platform/cache/cache.js';
import type { LinkRecord } from './links.store.js';
import type { LinkShards } from './link-shards.js';

/** What the cache keeps per code: the record, or the fact that there is none (negative caching). */
type Cached = LinkRecord | { missing: true };

/**
 * Cache-aside reads of links by code through the near cache and L1/L2 (kind `link`);
 * a miss is one indexed read on the code's shard.
 * Unknown codes are cached too, as `{ missing: true }`: a scan of random codes
 * costs one indexed read per code per TTL, not one per request. Every write to
 * a link (creation included: its code may have been cached as missing) writes
 * its new state through, which drops the near and L1 copies in every process.
 */
export class LinkCache {
  constructor(
    private readonly shards: LinkShards,
    private readonly cache: Cache,
  ) {}

  /** The link, or null; a miss is one indexed read, shared by concurrent callers. */
  async byCode(code: string): Promise<LinkRecord | null> {
    const cached = await this.cache.getOrLoad<Cached>('link', code, async () => (await (await this.shards.of(code)).store.byCode(code)) ?? { missing: true });
    return 'missing' in cached ? null : cached;
  }

  /** The link (or null, known unknown) if this process holds it in memory (the near cache); undefined: ask byCode. No promise. */
  held(code: string): LinkRecord | null | undefined {
    const cached = this.cache.peek<Cached>('link', code);
    return cached === undefined ? undefined : 'missing' in cached ? null : cached;
  }

  async written(record: LinkRecord): Promise<void> {
    await this.cache.set<Cached>('link', record.code, record);
  }

  async deleted(code: string): Promise<void> {
    await this.cache.set<Cached>('link', code, { missing: true });
  }
}
