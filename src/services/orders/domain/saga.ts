import type { CatalogClient } from '../../../contracts/catalog.js';
import type { OrderStatus } from '../../../contracts/orders.js';
import { applyOnce } from '../../../platform/bus/inbox.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import { addJobToOutbox } from '../../../platform/bus/outbox.js';
import type { Bus, Delivery, Subscription } from '../../../platform/bus/port.js';
import type { Logger } from '../../../platform/log/logger.js';
import type { Executor, OrderRow, OrdersStore } from '../data/orders.store.js';
import { PaymentDeclined, type PaymentClient } from '../payments/payment-client.js';
import { orderEvent } from './events.js';

/**
 * The order saga, orchestrated: one job per step on SAGA_QUEUE, the order's
 * row is the state machine (pending → reserved → paid → confirmed; any
 * failure → cancelled after compensating in reverse: release the stock,
 * refund the charge). Each step calls out first with idempotent ids (the
 * reservation id and the charge's Idempotency-Key are the order id), then,
 * in one transaction recorded in the inbox, moves the status (compare-and-set),
 * writes the order's event and the next step's job to the outbox. A crash
 * anywhere replays the step, which finds the calls already made. A step that
 * keeps failing is retried with the bus's backoff and, after its last
 * attempt, dead-lettered with the order marked needs_attention.
 */
export const SAGA_QUEUE = 'orders.saga';
const CONSUMER = 'orders.saga';
/** The inbox's consumer for the provider's webhooks: one application per event id. */
const WEBHOOKS = 'orders.payment-webhooks';

export type Step = 'reserve' | 'charge' | 'confirm' | 'compensate';
export interface StepJob {
  orderId: string;
  step: Step;
  reason?: string;
}

const FINAL: OrderStatus[] = ['confirmed', 'cancelled'];

/** The catalog's reservation id for one order line: the order id names it, so retries find the same one. */
export const reservationOf = (orderId: string, productId: number) => `${productId}.${orderId}`;

const codeOf = (err: unknown) => (err as { code?: string }).code;

export class OrderSaga {
  constructor(
    private readonly store: OrdersStore,
    private readonly catalog: CatalogClient,
    private readonly payments: PaymentClient,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
  ) {}

  /** The first step's job, in the checkout's transaction. */
  static async begin(trx: Executor, orderId: string): Promise<void> {
    await addJobToOutbox(trx, SAGA_QUEUE, { orderId, step: 'reserve' } satisfies StepJob, { id: `${orderId}:reserve` });
  }

  async start(bus: Bus, maxAttempts: number): Promise<Subscription> {
    return bus.process<StepJob>(SAGA_QUEUE, (delivery) => this.handle(delivery, maxAttempts), { concurrency: 8, maxAttempts });
  }

  private async handle(delivery: Delivery<StepJob>, maxAttempts: number): Promise<void> {
    try {
      await this.run(delivery);
    } catch (err) {
      if (delivery.attempt >= maxAttempts) {
        // The bus dead-letters the job after this throw; the order says so to its owner and to operators.
        await this.move(delivery.id + ':dead', delivery.payload.orderId, ['pending', 'reserved', 'paid'], 'needs_attention', `${delivery.payload.step} failed ${delivery.attempt} times: ${(err as Error).message}`);
        this.logger.error({ err, orderId: delivery.payload.orderId, step: delivery.payload.step }, 'order saga step dead-lettered');
      }
      throw err;
    }
  }

  private async run({ id, payload }: Delivery<StepJob>): Promise<void> {
    const order = await this.store.get(payload.orderId);
    if (!order || FINAL.includes(order.status) || order.status === 'needs_attention') return;
    switch (payload.step) {
      case 'reserve':
        return this.reserve(id, order);
      case 'charge':
        return this.charge(id, order);
      case 'confirm':
        return this.confirm(id, order);
      case 'compensate':
        return this.compensate(id, order, payload.reason ?? 'cancelled');
    }
  }

  private async reserve(deliveryId: string, order: OrderRow): Promise<void> {
    if (order.status !== 'pending') return;
    for (const line of await this.store.lines(order.id)) {
      try {
        await this.catalog.reserve({ productId: line.product_id, quantity: line.quantity, id: order.id });
      } catch (err) {
        const code = codeOf(err);
        if (code === 'SS_OUT_OF_STOCK' || code === 'SS_NOT_FOUND') return this.compensate(deliveryId, order, code === 'SS_OUT_OF_STOCK' ? 'out of stock' : 'product gone');
        throw err;
      }
    }
    await this.move(deliveryId, order.id, ['pending'], 'reserved', 'stock reserved', 'charge');
  }

  private async charge(deliveryId: string, order: OrderRow): Promise<void> {
    if (order.status !== 'reserved') return;
    try {
      const charge = await this.payments.charge(order.id, order.total, order.currency);
      await this.move(deliveryId, order.id, ['reserved'], 'paid', 'payment captured', 'confirm', { chargeId: charge.id });
    } catch (err) {
      if (err instanceof PaymentDeclined) return this.compensate(deliveryId, order, 'payment declined');
      throw err;
    }
  }

  private async confirm(deliveryId: string, order: OrderRow): Promise<void> {
    if (order.status !== 'paid') return;
    for (const line of await this.store.lines(order.id)) await this.catalog.commit(reservationOf(order.id, line.product_id));
    await this.move(deliveryId, order.id, ['paid'], 'confirmed', 'stock committed');
  }

  /** In reverse: refund what was charged, release what was reserved (both idempotent), then cancelled. */
  private async compensate(deliveryId: string, order: OrderRow, reason: string): Promise<void> {
    let refunded = false;
    if (order.charge_id && !order.refunded) {
      await this.payments.refund(order.charge_id);
      refunded = true;
    }
    for (const line of await this.store.lines(order.id)) {
      try {
        await this.catalog.release(reservationOf(order.id, line.product_id));
      } catch (err) {
        if (codeOf(err) !== 'SS_NOT_FOUND') throw err; // never reserved: nothing to give back
      }
    }
    await this.move(deliveryId, order.id, ['pending', 'reserved', 'paid'], 'cancelled', reason, undefined, refunded ? { refunded } : {});
  }

  /**
   * What the provider's webhook says about an order's charge (its Idempotency-Key is the order id), applied once
   * per event id. It settles the charge step when the call's answer was lost (a timeout, a 5xx after the charge):
   * succeeded moves reserved → paid and queues confirm, as the call's own answer would have (the step's retry
   * then finds the order paid and stops; whichever comes first wins the compare-and-set, the other changes
   * nothing); failed queues the compensation. A refund only confirms what compensate did. Answers whether the
   * event was new.
   */
  async paymentEvent(eventId: string, type: string, charge: { id: string; key: string; status: string }): Promise<boolean> {
    const fresh = await applyOnce(this.store.db, WEBHOOKS, eventId, async (trx) => {
      const order = await this.store.get(charge.key, trx);
      if (!order || order.status !== 'reserved') return;
      if (type === 'charge.succeeded' && charge.status === 'succeeded') {
        await this.transitionWith(trx, order.id, ['reserved'], 'paid', 'payment captured (provider webhook)', 'confirm', { chargeId: charge.id });
      } else if (type === 'charge.failed') {
        await addJobToOutbox(trx, SAGA_QUEUE, { orderId: order.id, step: 'compensate', reason: 'payment declined' } satisfies StepJob, { id: `${order.id}:compensate` });
      }
    });
    this.outbox.wake();
    return fresh;
  }

  /** Status, event and next step in one transaction, at most once per delivery (the inbox). */
  private async move(deliveryId: string, orderId: string, from: OrderStatus[], to: OrderStatus, reason: string, next?: Step, set: { chargeId?: string; refunded?: boolean } = {}): Promise<void> {
    await applyOnce(this.store.db, CONSUMER, deliveryId, (trx) => this.transitionWith(trx, orderId, from, to, reason, next, set));
    this.outbox.wake();
  }

  /** The compare-and-set, the order's event and the next step's job, in the caller's transaction. */
  private async transitionWith(trx: Executor, orderId: string, from: OrderStatus[], to: OrderStatus, reason: string, next?: Step, set: { chargeId?: string; refunded?: boolean } = {}): Promise<void> {
    const moved = await this.store.transition(trx, orderId, from, to, reason, set);
    if (!moved) return;
    await this.outbox.add(trx, orderEvent(moved));
    if (next) await addJobToOutbox(trx, SAGA_QUEUE, { orderId, step: next } satisfies StepJob, { id: `${orderId}:${next}` });
  }
}
