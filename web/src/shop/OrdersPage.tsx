import './shop.css';
import { Link } from 'react-router';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../api/client.js';
import { ErrorList } from '../components/ErrorList.js';
import { money, type Order } from './api.js';

/** /orders: the signed-in user's orders, newest first, keyset pages. */
export function OrdersPage() {
  const orders = useInfiniteQuery({
    queryKey: ['orders'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => api<{ orders: Order[]; nextCursor: string | null }>('GET', `/orders?limit=20${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor,
    staleTime: 0,
  });
  if (orders.isPending) return <p className="container page">Loading orders...</p>;
  if (orders.isError) return <div className="container page"><ErrorList error={orders.error} /></div>;
  const list = orders.data.pages.flatMap((p) => p.orders);
  return (
    <div className="orders-page container page">
      <h1>Your orders</h1>
      {list.length === 0 ? <p>No orders yet. <Link to="/shop">Browse the shop</Link>.</p> : (
        <table className="lines">
          <thead><tr><th scope="col">Order</th><th scope="col">Placed</th><th scope="col">Items</th><th scope="col">Total</th><th scope="col">Status</th></tr></thead>
          <tbody>
            {list.map((o) => (
              <tr key={o.id}>
                <td><Link to={`/orders/${encodeURIComponent(o.id)}`}>{o.id.slice(0, 8)}</Link></td>
                <td><time dateTime={o.createdAt}>{new Date(o.createdAt).toLocaleString()}</time></td>
                <td>{o.items.reduce((n, i) => n + i.quantity, 0)}</td>
                <td>{money(o.total, o.currency)}</td>
                <td><span className={`status status-${o.status}`}>{o.status.replace('_', ' ')}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {orders.hasNextPage && <button type="button" className="btn btn-outline" onClick={() => void orders.fetchNextPage()}>More orders</button>}
    </div>
  );
}
