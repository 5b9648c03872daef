import { errors } from '../errors/catalog.js';

const SEGMENT = /^[A-Za-z0-9._=-]+$/;

/**
 * Refuses keys that could escape the fs store's directory or mean different objects on different stores
 * (`..`, empty segments, a leading `/`, characters S3 and file systems treat differently). `=` is
 * plain on both and lets keys be Hive-style partitions (`links/clicks/day=2026-03-01/clicks.parquet`).
 */
export function checkBlobKey(key: string): string {
  const segments = key.split('/');
  const ok = key.length > 0 && key.length <= 512 && segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!ok) throw errors.validation({ key: ['is not a valid blob key'] });
  return key;
}

/** A list prefix may end with `/` or be empty; its segments obey the key rules. */
export function checkBlobPrefix(prefix: string): string {
  const trimmed = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (trimmed !== '') checkBlobKey(trimmed);
  return prefix;
}
