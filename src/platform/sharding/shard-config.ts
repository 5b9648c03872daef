import { ConfigError } from '../config/load-config.js';
import type { StrategyKind } from './shard-map.js';

type Env = Record<string, string | undefined>;

export interface ShardConfig {
  /** Empty: no `<NAME>_SHARDS`, the service's own Database is the one shard. */
  urls: string[];
  strategy: StrategyKind;
  /** Range bounds (`<NAME>_SHARD_RANGES`), one fewer than shards. */
  ranges: string[];
  poolMax: number;
}

/** `catalog` → `CATALOG`, `short-links` → `SHORT_LINKS`: the prefix of the map's variables. */
export function envPrefix(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

const STRATEGIES: readonly StrategyKind[] = ['hash', 'range', 'directory'];

/**
 * Reads a map's settings. They are per map, so not in config/schema.ts (whose
 * names are fixed); they fail the same way, naming the variable:
 *   <NAME>_SHARDS          postgres://...,postgres://...   (unset: one shard, the service's Database)
 *   <NAME>_SHARD_STRATEGY  hash | range | directory        (default hash)
 *   <NAME>_SHARD_RANGES    comma list of ascending bounds  (range only; shards − 1 of them)
 *   <NAME>_SHARD_POOL_MAX  connections per shard           (default 10)
 */
export function readShardConfig(name: string, env: Env): ShardConfig {
  const prefix = envPrefix(name);
  const list = (variable: string) =>
    (env[variable] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');

  const urls = list(`${prefix}_SHARDS`);
  for (const url of urls) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError(`invalid configuration:\n  ${prefix}_SHARDS: each entry must be a postgres:// URL, got ${JSON.stringify(redact(url))}`);
  }
  if (new Set(urls).size !== urls.length) throw new ConfigError(`invalid configuration:\n  ${prefix}_SHARDS: a database is listed twice`);

  const strategy = (env[`${prefix}_SHARD_STRATEGY`] || 'hash') as StrategyKind;
  if (!STRATEGIES.includes(strategy)) {
    throw new ConfigError(`invalid configuration:\n  ${prefix}_SHARD_STRATEGY=${JSON.stringify(strategy)}: expected one of ${STRATEGIES.join(', ')}`);
  }
  const ranges = list(`${prefix}_SHARD_RANGES`);
  const poolText = env[`${prefix}_SHARD_POOL_MAX`] || '10';
  const poolMax = Number(poolText);
  if (!Number.isInteger(poolMax) || poolMax < 1 || poolMax > 1000) {
    throw new ConfigError(`invalid configuration:\n  ${prefix}_SHARD_POOL_MAX=${JSON.stringify(poolText)}: expected an integer from 1 to 1000`);
  }
  return { urls, strategy, ranges, poolMax };
}

/** The URL without its password, for logs and labels. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
