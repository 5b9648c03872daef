import { randomBytes } from 'node:crypto';

const MAX_SLUG_BASE = 80;

/** Slugs that would collide with a static route under /api/articles/ (GET /api/articles/feed). */
const RESERVED = new Set(['feed']);

/** "How to Train Your Dragon!" → "how-to-train-your-dragon". Titles with no latin letters or digits become "article". */
export function slugify(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_BASE)
    .replace(/-+$/, '');
  if (!base) return 'article';
  return RESERVED.has(base) ? `${base}-article` : base;
}

/** A distinct slug for a title already in use: the base plus a short random suffix. */
export function suffixed(base: string): string {
  return `${base}-${randomBytes(4).readUInt32BE(0).toString(36)}`;
}
