import './shop.css';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.js';
import { useAuth } from '../api/auth.js';
import { ErrorList } from '../components/ErrorList.js';
import { money, type Cart, type Product } from './api.js';

/** /shop/product/:id: the images (the w800 variant, thumbnails to switch), details, add to cart. */
export function ProductPage() {
  const { id } = useParams();
  const { user } = useAuth();
  const client = useQueryClient();
  const product = useQuery({ queryKey: ['product', id], queryFn: () => api<{ product: Product }>('GET', `/products/${id}`) });
  const [shown, setShown] = useState(0);
  const [quantity, setQuantity] = useState(1);
  const add = useMutation({
    mutationFn: () => api<{ cart: Cart }>('POST', '/cart/items', { item: { productId: Number(id), quantity } }),
    onSuccess: (data) => client.setQueryData(['cart'], data),
  });
  if (product.isPending) return <p className="container page">Loading product...</p>;
  if (product.isError) return <div className="container page"><ErrorList error={product.error} /></div>;
  const p = product.data.product;
  const image = p.images[shown] ?? p.images[0];
  return (
    <div className="product-page container page">
      <p><Link to={`/shop?category=${encodeURIComponent(p.category)}`}>{p.category}</Link></p>
      <div className="row">
        <div className="gallery">
          {image ? <img className="main-image" src={image.url} alt={p.name} width={800} height={800} /> : <span className="no-image large" aria-hidden="true">{p.name.slice(0, 1)}</span>}
          {p.images.length > 1 && (
            <ul className="thumbnails" aria-label="Images">
              {p.images.map((img, i) => (
                <li key={img.id}>
                  <button type="button" aria-pressed={i === shown} aria-label={`Image ${i + 1} of ${p.images.length}`} onClick={() => setShown(i)}>
                    <img src={img.thumbnailUrl} alt="" width={64} height={64} />
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="col-main">
          <h1>{p.name}</h1>
          <p className="price large">{money(p.price, p.currency)}</p>
          <p className={p.inStock ? 'stock' : 'stock out'}>{p.inStock ? `In stock (${p.stock})` : 'Out of stock'}</p>
          <p>{p.description}</p>
          {Object.keys(p.attributes).length > 0 && (
            <dl className="attributes">
              {Object.entries(p.attributes).map(([k, v]) => <div key={k}><dt>{k}</dt><dd>{String(v)}</dd></div>)}
            </dl>
          )}
          {user ? (
            <form className="add-to-cart" onSubmit={(e) => { e.preventDefault(); add.mutate(); }}>
              <label>
                Quantity
                <input type="number" min={1} max={100} value={quantity} onChange={(e) => setQuantity(Math.max(1, Math.min(100, Number(e.target.value) || 1)))} />
              </label>
              <button type="submit" className="btn btn-primary" disabled={!p.inStock || add.isPending}>Add to cart</button>
              {add.isSuccess && <p role="status">Added. <Link to="/cart">View cart</Link></p>}
              <ErrorList error={add.error} />
            </form>
          ) : <p><Link to="/login">Sign in</Link> to buy.</p>}
        </div>
      </div>
    </div>
  );
}
