import { authHeaders, pick, requireSeed, ScenarioError, type RequestSpec, type Scenario } from './scenario.js';
import { weighted } from './weighted.js';

/**
 * A shop's funnel (issue 16), most visitors browsing and few buying: 40%
 * product list, 20% search, 15% a product page, 12% add to cart, 5% checkout
 * (POST /api/orders with a fresh Idempotency-Key: 202, the saga runs in the
 * background), 8% polling an order. Requests are picked one at a time (open
 * model) and never wait for answers, so the funnel is kept by who did what:
 * checkout goes to the user who filled a cart longest ago (an add-to-cart
 * instead while nobody has one), and the poll reads a buyer's newest order
 * (`GET /api/orders?limit=1`: the scenario never sees the 202's Location).
 * Products come from the seed (`scalestack seed --catalog N`, restart, then
 * `scalestack seed`).
 */
const SEARCH_TERMS = ['lamp', 'chair', 'steel', 'wool', 'classic', 'compact', 'pro', 'oak'];

export const shop: Scenario = {
  name: 'shop',
  description: 'shop funnel: 40% list / 20% search / 15% product / 12% add to cart / 5% checkout (202) / 8% poll an order',
  needsSeed: true,
  prepare: (context) => {
    const seed = requireSeed(context, 'shop');
    const shelf = seed.products ?? [];
    if (shelf.length === 0) throw new ScenarioError('scenario "shop": the seed has no products (run `scalestack seed --catalog N`, restart the system, then `scalestack seed`)');
    const { random } = context;
    const run = Math.floor(random() * 1e9).toString(36);
    let keys = 0;
    const user = () => pick(seed.users, random);
    // Insertion-ordered: the first is the user whose cart was filled longest ago.
    const withCart = new Set<(typeof seed.users)[number]>();
    const buyers: (typeof seed.users)[number][] = [];
    const addToCart = (): RequestSpec => {
      const u = user();
      withCart.add(u);
      return { type: 'add-to-cart', method: 'POST', path: '/api/cart/items', headers: authHeaders(u.token, true), body: JSON.stringify({ item: { productId: pick(shelf, random), quantity: 1 } }) };
    };
    const checkout = (): RequestSpec => {
      const u = withCart.values().next().value;
      if (!u) return addToCart();
      withCart.delete(u);
      if (buyers.length < 1000) buyers.push(u);
      return { type: 'checkout', method: 'POST', path: '/api/orders', headers: { ...authHeaders(u.token, true), 'idempotency-key': `shop-${run}-${keys++}` }, body: JSON.stringify({ order: {} }) };
    };
    const poll = (): RequestSpec => ({ type: 'poll-order', method: 'GET', path: '/api/orders?limit=1', headers: authHeaders((buyers.length > 0 ? pick(buyers, random) : user()).token) });
    const kinds = weighted<() => RequestSpec>(
      [
        [40, () => ({ type: 'products', method: 'GET', path: '/api/products?limit=20' })],
        [20, () => ({ type: 'search', method: 'GET', path: `/api/products?q=${pick(SEARCH_TERMS, random)}&limit=20` })],
        [15, () => ({ type: 'product', method: 'GET', path: `/api/products/${pick(shelf, random)}` })],
        [12, addToCart],
        [5, checkout],
        [8, poll],
      ],
      random,
    );
    return () => kinds()();
  },
};
