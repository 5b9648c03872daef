import './shop.css';
import { Link, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.js';
import { ErrorList } from '../components/ErrorList.js';
import { FINAL_STATES, money, ORDER_STATES, type Order } from './api.js';

const LABELS: Record<string, string> = {
  pending: 'Pending', reserved: 'Stock reserved', paid: 'Paid', confirmed: 'Confirmed', cancelled: 'Cancelled', needs_attention: 'Needs attention',
};

/**
 * /orders/:id: checkout answered 202 with this resource's Location; the saga runs in the background and
 * the page polls the resource (twice a second) until a final state, drawing each state as it is reached.
 */
export function OrderPage() {
  const { id } = useParams();
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => api<{ order: Order }>('GET', `/orders/${encodeURIComponent(id!)}`),
    refetchInterval: (query) => (query.state.data && FINAL_STATES.includes(query.state.data.order.status) ? false : 500),
    staleTime: 0,
  });
  if (order.isPending) return <p className="container page">Loading order...</p>;
  if (order.isError) return <div className="container page"><ErrorList error={order.error} /></div>;
  const o = order.data.order;
  const reached = new Set([o.status, ...(o.history ?? []).map((h) => h.to)]);
  const final = FINAL_STATES.includes(o.status);
  return (
    <div className="order-page container page">
      <p><Link to="/orders">All orders</Link></p>
      <h1>Order <code>{o.id}</code></h1>
      <p className="order-status" role="status" aria-live="polite">
        Status: <strong className={`status status-${o.status}`} data-status={o.status}>{LABELS[o.status] ?? o.status}</strong>
        {!final && <span className="live-dot" aria-hidden="true" />}
        {o.reason && <span> ({o.reason})</span>}
      </p>
      <ol className="saga-steps" aria-label="Progress">
        {ORDER_STATES.map((state) => (
          <li key={state} className={reached.has(state) ? 'done' : ''} aria-current={o.status === state ? 'step' : undefined}>{LABELS[state]}</li>
        ))}
        {(o.status === 'cancelled' || o.status === 'needs_attention') && <li className="done failed" aria-current="step">{LABELS[o.status]}</li>}
      </ol>
      <table className="lines">
        <thead><tr><th scope="col">Product</th><th scope="col">Quantity</th><th scope="col">Price</th></tr></thead>
        <tbody>
          {o.items.map((i) => <tr key={i.productId}><td><Link to={`/shop/product/${i.productId}`}>{i.name}</Link></td><td>{i.quantity}</td><td>{money(i.price, o.currency)}</td></tr>)}
        </tbody>
        <tfoot><tr><th scope="row" colSpan={2}>Total</th><td>{money(o.total, o.currency)}</td></tr></tfoot>
      </table>
      {o.note && <p>Note: {o.note}</p>}
      {o.history && o.history.length > 0 && (
        <>
          <h2>History</h2>
          <ul className="history">
            {o.history.map((h, i) => (
              <li key={i}><time dateTime={h.at}>{new Date(h.at).toLocaleTimeString()}</time> {h.from ?? 'new'} → {h.to}{h.reason ? ` (${h.reason})` : ''}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
