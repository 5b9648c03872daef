import './shop.css';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../api/client.js';
import { ErrorList } from '../components/ErrorList.js';
import { filtersFrom, money, productsPath, searchOf, type Filters, type ProductList } from './api.js';
import { Highlighted } from './Highlighted.js';

/** /shop: search as you type, facets (categories, price bands, in stock) that narrow it, keyset pages ("More"). */
export function Search() {
  const [search] = useSearchParams();
  const filters = filtersFrom(search);
  const navigate = useNavigate();
  const go = (next: Filters) => void navigate(`/shop${searchOf(next)}`);
  const [text, setText] = useState(filters.q ?? '');
  const results = useInfiniteQuery({
    queryKey: ['products', filters],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => api<ProductList>('GET', productsPath(filters, pageParam)),
    getNextPageParam: (last) => last.nextCursor,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const next = { ...filters };
    delete next.q;
    go(text.trim() ? { ...next, q: text.trim() } : next);
  };
  const first = results.data?.pages[0];
  const products = results.data?.pages.flatMap((p) => p.products) ?? [];
  const currency = products[0]?.currency ?? 'EUR';
  const without = (key: keyof Filters): Filters => {
    const next = { ...filters };
    delete next[key];
    return next;
  };
  return (
    <div className="shop-page container page">
      <form className="shop-search" role="search" onSubmit={submit}>
        <label>
          Search products
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="headphones, lamp..." />
        </label>
        <button type="submit" className="btn btn-primary">Search</button>
      </form>
      <div className="row">
        <aside className="col-side sidebar facets" aria-label="Filters">
          <h2>Category</h2>
          <ul className="facet-list">
            {filters.category && (
              <li><button type="button" className="facet" onClick={() => go(without('category'))}>All categories</button></li>
            )}
            {(first?.facets.categories ?? []).map((c) => (
              <li key={c.category}>
                <button type="button" className="facet" aria-pressed={filters.category === c.category} onClick={() => go({ ...filters, category: c.category })}>
                  {c.category} <span className="count">({c.count})</span>
                </button>
              </li>
            ))}
          </ul>
          <h2>Price</h2>
          <ul className="facet-list">
            {(filters.minPrice !== undefined || filters.maxPrice !== undefined) && (
              <li><button type="button" className="facet" onClick={() => go({ ...without('minPrice'), maxPrice: undefined })}>Any price</button></li>
            )}
            {(first?.facets.priceBands ?? []).filter((b) => b.count > 0).map((b) => {
              // A band is [min, max); maxPrice is inclusive.
              const top = b.max === null ? undefined : b.max - 1;
              const label = top === undefined ? `${money(b.min, currency)} and up` : `${money(b.min, currency)} – ${money(top, currency)}`;
              const active = filters.minPrice === b.min && filters.maxPrice === top;
              const next: Filters = { ...filters, minPrice: b.min };
              if (top === undefined) delete next.maxPrice;
              else next.maxPrice = top;
              return (
                <li key={b.min}>
                  <button type="button" className="facet" aria-pressed={active} onClick={() => go(next)}>
                    {label} <span className="count">({b.count})</span>
                  </button>
                </li>
              );
            })}
          </ul>
          <label className="checkbox">
            <input type="checkbox" checked={filters.inStock ?? false} onChange={(e) => go(e.target.checked ? { ...filters, inStock: true } : without('inStock'))} />
            In stock only
          </label>
        </aside>
        <section className="col-main" aria-label="Products">
          {results.isPending ? <p>Loading products...</p> : results.isError ? <ErrorList error={results.error} /> : (
            <>
              <p className="result-count" role="status">{first!.productsCount} {first!.productsCount === 1 ? 'product' : 'products'}</p>
              {products.length === 0 ? <p>Nothing matches. Try fewer words or another category.</p> : (
                <ul className="product-grid">
                  {products.map((p) => (
                    <li key={p.id} className="product-card">
                      <Link to={`/shop/product/${p.id}`} className="product-link">
                        {p.images[0] ? <img src={p.images[0].thumbnailUrl} alt="" width={200} height={200} loading="lazy" /> : <span className="no-image" aria-hidden="true">{p.name.slice(0, 1)}</span>}
                        <h3><Highlighted html={p.highlight?.name} text={p.name} /></h3>
                      </Link>
                      <p className="price">{money(p.price, p.currency)}</p>
                      <p className={p.inStock ? 'stock' : 'stock out'}>{p.inStock ? 'In stock' : 'Out of stock'}</p>
                    </li>
                  ))}
                </ul>
              )}
              {results.hasNextPage && (
                <button type="button" className="btn btn-outline" disabled={results.isFetchingNextPage} onClick={() => void results.fetchNextPage()}>
                  {results.isFetchingNextPage ? 'Loading...' : 'More products'}
                </button>
              )}
            </>
          )}
        </section>
      </div>
    </div>
  );
}
