import './shop.css';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client.js';
import { ErrorList } from '../components/ErrorList.js';
import { money, type Cart, type Order } from './api.js';

/**
 * /cart: change quantities, remove lines, check out. The checkout's Idempotency-Key is made once per
 * cart shown, so a double click or a retry after a lost answer places one order (the server replays it).
 */
export function CartPage() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const cart = useQuery({ queryKey: ['cart'], queryFn: () => api<{ cart: Cart }>('GET', '/cart'), staleTime: 0 });
  const [key] = useState(() => crypto.randomUUID());
  const [note, setNote] = useState('');
  const change = useMutation({
    mutationFn: ({ productId, quantity }: { productId: number; quantity: number }) =>
      quantity === 0 ? api('DELETE', `/cart/items/${productId}`) : api('PUT', `/cart/items/${productId}`, { item: { quantity } }),
    onSettled: () => client.invalidateQueries({ queryKey: ['cart'] }),
  });
  const checkout = useMutation({
    mutationFn: () => api<{ order: Order }>('POST', '/orders', { order: note.trim() ? { note: note.trim() } : {} }, { 'idempotency-key': key }),
    onSuccess: ({ order }) => {
      client.setQueryData(['cart'], { cart: { items: [], total: 0 } });
      client.setQueryData(['order', order.id], { order });
      void navigate(`/orders/${order.id}`);
    },
  });
  if (cart.isPending) return <p className="container page">Loading cart...</p>;
  if (cart.isError) return <div className="container page"><ErrorList error={cart.error} /></div>;
  const { items, total } = cart.data.cart;
  const currency = items[0]?.currency ?? 'EUR';
  return (
    <div className="cart-page container page narrow-wide">
      <h1>Your cart</h1>
      {items.length === 0 ? <p>Your cart is empty. <Link to="/shop">Browse the shop</Link>.</p> : (
        <>
          <table className="lines">
            <thead><tr><th scope="col">Product</th><th scope="col">Price</th><th scope="col">Quantity</th><th scope="col">Subtotal</th><th scope="col"><span className="visually-hidden">Remove</span></th></tr></thead>
            <tbody>
              {items.map((line) => (
                <tr key={line.productId}>
                  <td><Link to={`/shop/product/${line.productId}`}>{line.name}</Link></td>
                  <td>{money(line.price, line.currency)}</td>
                  <td>
                    <input key={line.quantity} type="number" className="qty" min={1} max={100} aria-label={`Quantity of ${line.name}`} defaultValue={line.quantity}
                      onBlur={(e) => { const q = Number(e.target.value); if (q >= 1 && q !== line.quantity) change.mutate({ productId: line.productId, quantity: q }); }} />
                  </td>
                  <td>{money(line.price * line.quantity, line.currency)}</td>
                  <td><button type="button" className="btn btn-sm btn-outline-danger" aria-label={`Remove ${line.name}`} onClick={() => change.mutate({ productId: line.productId, quantity: 0 })}>Remove</button></td>
                </tr>
              ))}
            </tbody>
            <tfoot><tr><th scope="row" colSpan={3}>Total</th><td className="total">{money(total, currency)}</td><td /></tr></tfoot>
          </table>
          <ErrorList error={change.error} />
          <form onSubmit={(e) => { e.preventDefault(); checkout.mutate(); }}>
            <label>
              Note for the order (optional)
              <input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
            </label>
            <ErrorList error={checkout.error} />
            <button type="submit" className="btn btn-lg btn-primary" disabled={checkout.isPending}>{checkout.isPending ? 'Placing order...' : 'Place order'}</button>
          </form>
        </>
      )}
    </div>
  );
}
