import type { Config } from '../config/schema.js';
import type { DataKind } from './cache.js';

const TTL_SETTING: Record<DataKind, keyof Config> = {
  profile: 'CACHE_TTL_PROFILE_S',
  article: 'CACHE_TTL_ARTICLE_S',
  list: 'CACHE_TTL_ARTICLE_S',
  tags: 'CACHE_TTL_TAGS_S',
  // A viewer's favorites and followings: dropped by that viewer's writes; the TTL is the backstop.
  viewer: 'CACHE_TTL_ARTICLE_S',
  link: 'CACHE_TTL_LINK_S',
  product: 'CACHE_TTL_PRODUCT_S',
  search: 'CACHE_TTL_SEARCH_S',
};

/** Milliseconds to keep a `kind`, shortened by up to CACHE_TTL_JITTER at random (never lengthened: the TTL is a promise). */
export function ttlMs(config: Config, kind: DataKind, random: () => number = Math.random): number {
  const base = (config[TTL_SETTING[kind]] as number) * 1000;
  return Math.max(1, Math.round(base * (1 - config.CACHE_TTL_JITTER * random())));
}
