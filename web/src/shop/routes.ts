import type { RouteObject } from 'react-router';

/**
 * The shop's routes, each loaded on first visit (its own chunk, with shop.css): the Conduit pages'
 * first load does not carry them (the < 200 kB budget, conduit.browser.test.ts).
 */
export const shopRoutes: RouteObject[] = [
  { path: '/shop', lazy: async () => ({ Component: (await import('./Search.js')).Search }) },
  { path: '/shop/product/:id', lazy: async () => ({ Component: (await import('./ProductPage.js')).ProductPage }) },
  { path: '/cart', lazy: async () => ({ Component: (await import('./CartPage.js')).CartPage }) },
  { path: '/orders', lazy: async () => ({ Component: (await import('./OrdersPage.js')).OrdersPage }) },
  { path: '/orders/:id', lazy: async () => ({ Component: (await import('./OrderPage.js')).OrderPage }) },
];
