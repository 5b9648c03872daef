import type { CatalogClient } from '../../contracts/catalog.js';
import { CATALOG } from '../../contracts/catalog.js';
import { ORDERS } from '../../contracts/orders.js';
import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { idempotency } from '../../platform/http/plugins/idempotency.js';
import { startPaymentProvider } from '../../tools/payment-provider/provider.js';
import { openCartStore } from './data/cart/open-cart-store.js';
import { startIdempotencyRetention } from './data/idempotency-retention.js';
import { OrdersStore } from './data/orders.store.js';
import { CartDomain } from './domain/cart.js';
import { OrdersDomain } from './domain/orders.js';
import { OrderSaga } from './domain/saga.js';
import { ordersMigrations } from './migrations.js';
import { createPaymentClient } from './payments/payment-client.js';
import { cartRoutes } from './routes/cart.routes.js';
import { paymentWebhookRoutes } from './routes/payment-webhooks.routes.js';
import { PaymentWebhooks } from './payments/payment-webhooks.js';
import { newSecret } from '../../platform/webhooks/standard-webhooks.js';
import { ordersRoutes } from './routes/orders.routes.js';

/** orders: carts, idempotent checkout (202) and the order saga (reserve → charge → confirm, compensated). Owns the `orders` schema. */
export const ordersService: ServiceModule = {
  name: ORDERS,
  migrations: ordersMigrations,
  create: async ({ config, db, clients, bus, outbox, logger }) => {
    const catalog = clients.get<CatalogClient>(CATALOG);
    // Embedded: the fake provider in this process, so `scalestack start` checks out with nothing else running. Its
    // webhooks come straight to the receiver below (signed and verified all the same), with a secret for the run.
    const webhookSecret = config.PAYMENT_WEBHOOK_SECRET ?? (config.PAYMENT_URL ? undefined : newSecret());
    if (config.PAYMENT_URL && !webhookSecret) logger.warn('PAYMENT_WEBHOOK_SECRET unset: the provider\'s webhooks will be refused (401)');
    const provider = config.PAYMENT_URL ? undefined : await startPaymentProvider({
      latencyMs: 20, declineRate: 0, errorRate: 0, timeoutRate: 0, timeoutMs: 0,
      webhookSecret, webhookSink: async (headers, body) => void (await webhooks.receive(headers, body)),
    });
    const payments = createPaymentClient({ url: config.PAYMENT_URL ?? provider!.url, timeoutMs: config.PAYMENT_TIMEOUT_MS });
    const store = new OrdersStore(db);
    const carts = openCartStore(config);
    const saga = new OrderSaga(store, catalog, payments, outbox, logger);
    const webhooks = new PaymentWebhooks({ secret: webhookSecret, toleranceS: config.PAYMENT_WEBHOOK_TOLERANCE_S }, saga);
    const worker = await saga.start(bus, config.ORDERS_SAGA_ATTEMPTS);
    const keysTable = 'orders.idempotency_keys';
    const retention = await startIdempotencyRetention(bus, db, keysTable, config.BUS_RETENTION_EVERY_S * 1000, logger);
    const cart = new CartDomain(carts, catalog);
    const orders = new OrdersDomain(store, carts, catalog, outbox);
    return {
      routes: async (app) => {
        await app.register(idempotency, { db, table: keysTable, ttlS: config.IDEMPOTENCY_TTL_S, waitMs: config.IDEMPOTENCY_WAIT_MS });
        await app.register(cartRoutes(cart));
        await app.register(ordersRoutes(orders));
        await app.register(paymentWebhookRoutes(webhooks));
      },
      close: async () => {
        await retention.stop();
        await worker.stop();
        await carts.close();
        await provider?.close();
      },
    };
  },
};
