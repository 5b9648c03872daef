import type { ProductRow } from '../data/products.store.js';
import { MARK_END, MARK_START, type SearchHit } from '../data/search.store.js';

/** A product as answered (and cached: plain JSON, dates as ISO strings). */
export type ProductView = Omit<ProductRow, 'images' | 'created_at' | 'updated_at'> & {
  inStock: boolean;
  images: ImageView[];
  createdAt: string;
  updatedAt: string;
};

/** A search hit: the product, its relevance, and its text with the matched words in <mark> (HTML-escaped otherwise). */
export interface HitView extends ProductView {
  rank?: number;
  highlight?: { name: string; description: string };
}

export interface ListView {
  products: HitView[];
  productsCount: number;
  nextCursor: string | null;
  facets: { categories: { category: string; count: number }[]; priceBands: { min: number; max: number | null; count: number }[] };
}

/** An image's URLs: content-addressed, so each is immutable and cacheable forever (docs/patterns/blob-storage.md, "Product images"). */
export interface ImageView {
  id: string;
  url: string;
  thumbnailUrl: string;
  originalUrl: string;
}

export const imageView = (sha256: string): ImageView => ({
  id: sha256,
  url: `/api/images/${sha256}/w800.webp`,
  thumbnailUrl: `/api/images/${sha256}/w200.webp`,
  originalUrl: `/api/images/${sha256}/original`,
});

const iso = (d: Date | string) => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

export function productView(row: ProductRow): ProductView {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: Number(row.price),
    currency: row.currency,
    category: row.category,
    attributes: row.attributes,
    stock: row.stock,
    inStock: row.stock > 0,
    images: (row.images ?? []).map(imageView),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function hitView(hit: SearchHit, searched: boolean): HitView {
  const view: HitView = productView(hit);
  if (!searched) return view;
  return {
    ...view,
    rank: hit.rank,
    highlight: { name: marked(hit.highlightName ?? hit.name), description: marked(hit.highlightDescription ?? '') },
  };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Safe to put in HTML: the text escaped, then the database's marks turned into <mark> elements. */
export function marked(text: string): string {
  return text
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
    .replaceAll(MARK_START, '<mark>')
    .replaceAll(MARK_END, '</mark>');
}
