/** The shop's side of the API: catalog (products, categories, images) and orders (cart, checkout, order status). */
export interface ProductImage { id: string; url: string; thumbnailUrl: string; originalUrl: string }
export interface Product {
  id: number; sku: string; name: string; description: string; price: number; currency: string; category: string;
  attributes: Record<string, string | number | boolean>; stock: number; inStock: boolean; images: ProductImage[];
  /** Search hits only: the matched words in <mark>, everything else HTML-escaped by the server. */
  highlight?: { name: string; description: string };
}
export interface ProductList {
  products: Product[];
  productsCount: number;
  nextCursor: string | null;
  facets: { categories: { category: string; count: number }[]; priceBands: { min: number; max: number | null; count: number }[] };
}
export interface CartLine { productId: number; quantity: number; name: string; price: number; currency: string }
export interface Cart { items: CartLine[]; total: number }

export const ORDER_STATES = ['pending', 'reserved', 'paid', 'confirmed'] as const;
export const FINAL_STATES = ['confirmed', 'cancelled', 'needs_attention'];
export interface Order {
  id: string; status: string; total: number; currency: string; note: string | null; reason: string | null;
  items: { productId: number; name: string; quantity: number; price: number }[];
  createdAt: string; updatedAt: string;
  history?: { from: string | null; to: string; reason: string | null; at: string }[];
}

/** Prices are minor units (cents). */
export function money(minor: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100);
}

/** The search page's filters, as they sit in the URL (so a search is a link). */
export interface Filters { q?: string; category?: string; minPrice?: number; maxPrice?: number; inStock?: boolean }

export function productsPath(filters: Filters, cursor: string | null, limit = 12): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filters.q) params.set('q', filters.q);
  if (filters.category) params.set('category', filters.category);
  if (filters.minPrice !== undefined) params.set('minPrice', String(filters.minPrice));
  if (filters.maxPrice !== undefined) params.set('maxPrice', String(filters.maxPrice));
  if (filters.inStock) params.set('inStock', 'true');
  if (cursor) params.set('cursor', cursor);
  return `/products?${params}`;
}

export function filtersFrom(search: URLSearchParams): Filters {
  const number = (name: string) => {
    const value = search.get(name);
    return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
  };
  const filters: Filters = {};
  const q = search.get('q');
  const category = search.get('category');
  const minPrice = number('minPrice');
  const maxPrice = number('maxPrice');
  if (q) filters.q = q;
  if (category) filters.category = category;
  if (minPrice !== undefined) filters.minPrice = minPrice;
  if (maxPrice !== undefined) filters.maxPrice = maxPrice;
  if (search.get('inStock') === 'true') filters.inStock = true;
  return filters;
}

export function searchOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '' && value !== false) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}
