import { errors } from '../../../platform/errors/catalog.js';
import type { LinkCache } from '../data/link-cache.js';
import type { LinkRecord } from '../data/links.store.js';
import type { LinkShard, LinkShards } from '../data/link-shards.js';
import type { ClickCounters } from '../data/click-counters.js';
import type { ClickBatcher } from '../analytics/click-batcher.js';
import type { Bucket, ClickStats, ClickStore } from '../analytics/click-store.js';
import { aliasProblem, generateCode } from './codes.js';
import { parseTarget, type Blocklist } from './target-safety.js';
import type { ClickEvent } from './click.js';

export interface NewLinkInput {
  url: string;
  alias?: string | undefined;
  expiresAt?: string | undefined;
  permanent?: boolean | undefined;
}

export interface LinkView extends LinkRecord {
  clicks: number;
}

/** Where a redirect goes, or why it does not. */
export type Resolution = { record: LinkRecord } | { gone: 'has expired' | 'is disabled' };

function resolutionOf(record: LinkRecord | null, now: number): Resolution | null {
  if (!record) return null;
  if (record.disabled) return { gone: 'is disabled' };
  if (record.expiresAt && Date.parse(record.expiresAt) <= now) return { gone: 'has expired' };
  return { record };
}

const MAX_DRAWS = 5;
const MAX_STATS_DAYS = 366;
const MAX_HOURLY_DAYS = 31;

export class LinksDomain {
  constructor(
    private readonly shards: LinkShards,
    private readonly cache: LinkCache,
    private readonly blocked: Blocklist,
    private readonly clicks: ClickCounters,
    private readonly events: ClickBatcher,
    private readonly analytics: ClickStore,
  ) {}

  async create(ownerId: number, input: NewLinkInput): Promise<LinkView> {
    const target = parseTarget(input.url);
    if ('problem' in target) throw errors.validation({ url: [target.problem] });
    if (await this.blocked(target.url)) throw errors.validation({ url: ['is blocked'] });
    let expiresAt: Date | null = null;
    if (input.expiresAt !== undefined) {
      expiresAt = new Date(input.expiresAt);
      if (Number.isNaN(expiresAt.getTime())) throw errors.validation({ expiresAt: ['is not a date'] });
      if (expiresAt.getTime() <= Date.now()) throw errors.validation({ expiresAt: ['must be in the future'] });
    }
    const fields = { ownerId, url: target.url.href, permanent: input.permanent ?? false, expiresAt };
    let record: LinkRecord | null = null;
    if (input.alias !== undefined) {
      const problem = aliasProblem(input.alias);
      if (problem) throw errors.validation({ alias: [problem] });
      record = await (await this.shards.of(input.alias)).store.insert({ ...fields, code: input.alias });
      if (!record) throw errors.taken('alias');
    } else {
      for (let draw = 0; !record && draw < MAX_DRAWS; draw++) {
        const code = generateCode();
        // Each draw lives where its code hashes to; the shard's unique index refuses a duplicate.
        record = await (await this.shards.of(code)).store.insert({ ...fields, code });
      }
      if (!record) throw errors.internal();
    }
    // The code may have been cached as unknown (someone tried it before): write the link through.
    await this.cache.written(record);
    return { ...record, clicks: 0 };
  }

  /** The hot path: near cache → L1 → L2 → one indexed read. Null for an unknown code. */
  async resolve(code: string, now = Date.now()): Promise<Resolution | null> {
    return resolutionOf(await this.cache.byCode(code), now);
  }

  /**
   * resolve() without a promise, when the near cache holds the code; undefined when it must be loaded (call resolve).
   * The redirect's fast path: a promise chain per request costs more than the lookup once AsyncLocalStorage is on.
   */
  resolveHeld(code: string, now = Date.now()): Resolution | null | undefined {
    const record = this.cache.held(code);
    return record === undefined ? undefined : resolutionOf(record, now);
  }

  /** Counted behind (no database write per redirect) and kept as an analytics event, in batches. */
  async clicked(record: LinkRecord, event: ClickEvent): Promise<void> {
    this.countClick((await this.shards.of(record.code)).index, record, event);
  }

  /** clicked() without a promise when the link's shard is known without asking (one database); false: not counted, call clicked. */
  clickedNow(record: LinkRecord, event: ClickEvent): boolean {
    const shard = this.shards.known();
    if (!shard) return false;
    this.countClick(shard.index, record, event);
    return true;
  }

  private countClick(shard: number, record: LinkRecord, event: ClickEvent): void {
    this.clicks.increment(shard, record.id);
    this.events.record(event);
  }

  async get(code: string, userId: number): Promise<LinkView> {
    const { record, shard } = await this.owned(code, userId);
    return { ...record, clicks: await shard.store.clicks(record.id) };
  }

  async setDisabled(code: string, userId: number, disabled: boolean): Promise<LinkView> {
    const { record, shard } = await this.owned(code, userId);
    const updated = await shard.store.setDisabled(record.id, disabled);
    if (!updated) throw errors.notFound('link');
    await this.cache.written(updated);
    return { ...updated, clicks: await shard.store.clicks(updated.id) };
  }

  async delete(code: string, userId: number): Promise<void> {
    const { record, shard } = await this.owned(code, userId);
    await shard.store.delete(record.id);
    await this.cache.deleted(code);
  }

  async stats(code: string, userId: number, range: { from?: string | undefined; to?: string | undefined; bucket?: Bucket | undefined }): Promise<{ link: LinkView; from: number; to: number; bucket: Bucket; stats: ClickStats }> {
    const link = await this.get(code, userId);
    const bucket = range.bucket ?? 'day';
    const to = range.to !== undefined ? Date.parse(range.to) : Date.now();
    const from = range.from !== undefined ? Date.parse(range.from) : to - 7 * 86_400_000;
    if (Number.isNaN(from)) throw errors.validation({ from: ['is not a date'] });
    if (Number.isNaN(to)) throw errors.validation({ to: ['is not a date'] });
    if (from >= to) throw errors.validation({ from: ['must be before to'] });
    const maxDays = bucket === 'hour' ? MAX_HOURLY_DAYS : MAX_STATS_DAYS;
    if (to - from > maxDays * 86_400_000) throw errors.validation({ to: [`must be at most ${maxDays} days after from for bucket=${bucket}`] });
    return { link, from, to, bucket, stats: await this.analytics.stats(link.code, from, to, bucket) };
  }

  /** Only the owner sees or changes a link; another user's code is a 403, an unknown one a 404. */
  private async owned(code: string, userId: number): Promise<{ record: LinkRecord; shard: LinkShard }> {
    const shard = await this.shards.of(code);
    const record = await shard.store.byCode(code);
    if (!record) throw errors.notFound('link');
    if (record.ownerId !== userId) throw errors.forbidden('link');
    return { record, shard };
  }
}
