import { errors } from '../../../platform/errors/catalog.js';

export type ProductSort = 'relevance' | 'newest' | 'price_asc' | 'price_desc' | 'name';

/** Where the previous page ended: its last row's sort value and id (keyset pagination, stable under inserts). */
export interface After {
  value: number | string | null;
  id: number;
}

/** A listing or search, as the data layer takes it. */
export interface ProductQuery {
  /** The search text, split into terms; absent = a listing. */
  terms?: string[];
  category?: string;
  minPrice?: number;
  maxPrice?: number;
  inStock?: boolean;
  sort: ProductSort;
  limit: number;
  after?: After;
}

const MAX_TERMS = 8;

/** Letters and digits of any script; everything else separates terms (so no tsquery syntax gets through). */
export function searchTerms(q: string | undefined): string[] | undefined {
  if (q === undefined) return undefined;
  const terms = (q.toLowerCase().normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, MAX_TERMS).map((t) => t.slice(0, 64));
  return terms.length > 0 ? terms : undefined;
}

/** `wireless & headph:*`: every term must match, the last one as a prefix (search as you type). */
export function tsqueryText(terms: readonly string[]): string {
  return terms.map((t, i) => (i === terms.length - 1 ? `${t}:*` : t)).join(' & ');
}

/** The cursor is opaque to clients: base64url JSON of [sort, value, id], bound to the sort it was made for. */
export function encodeCursor(sort: ProductSort, after: After): string {
  return Buffer.from(JSON.stringify([sort, after.value, after.id])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: ProductSort): After {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw errors.validation({ cursor: ['is invalid'] });
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw errors.validation({ cursor: ['is invalid'] });
  const [madeFor, value, id] = parsed as unknown[];
  if (madeFor !== sort) throw errors.validation({ cursor: ['belongs to another sort order'] });
  if (!Number.isSafeInteger(id) || (id as number) < 1) throw errors.validation({ cursor: ['is invalid'] });
  const numeric = sort === 'relevance' || sort === 'price_asc' || sort === 'price_desc';
  if (numeric ? typeof value !== 'number' || !Number.isFinite(value) : sort === 'name' ? typeof value !== 'string' : value !== null) {
    throw errors.validation({ cursor: ['is invalid'] });
  }
  return { value: value as number | string | null, id: id as number };
}
