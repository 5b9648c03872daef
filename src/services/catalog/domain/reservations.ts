import { randomUUID } from 'node:crypto';
import type { Reservation } from '../../../contracts/catalog.js';
import type { Outbox } from '../../../platform/bus/platform-bus.js';
import { errors } from '../../../platform/errors/catalog.js';
import type { CatalogCache } from '../data/catalog-cache.js';
import type { ReservationRow } from '../data/reservations.store.js';
import type { CatalogShards, Shard } from '../data/shards.js';
import type { CatalogTables } from '../data/tables.js';
import { stockChangedEvent } from './events.js';

const view = (r: ReservationRow): Reservation => ({ id: r.id, productId: r.product_id, quantity: r.quantity, state: r.state });

const MAX_QUANTITY = 1_000_000;

/**
 * Stock moves only here: reserve (take units), release (give a held reservation's units back), commit (a held
 * reservation is sold). Each is one transaction on the product's shard with its stock.changed event.
 * A reservation id names where it lives: `<productId>.<uuid>`, so release/commit find the shard without a lookup.
 */
export class ReservationsDomain {
  constructor(
    private readonly shards: CatalogShards,
    private readonly cache: CatalogCache,
    private readonly outbox: Outbox,
  ) {}

  async reserve(input: { productId: number; quantity: number; id?: string }): Promise<Reservation> {
    const { productId, quantity } = input;
    if (!Number.isSafeInteger(productId) || productId < 1) throw errors.validation({ productId: ['is invalid'] });
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) throw errors.validation({ quantity: [`must be an integer from 1 to ${MAX_QUANTITY}`] });
    if (input.id !== undefined && !/^[A-Za-z0-9_-]{1,100}$/.test(input.id)) throw errors.validation({ id: ['is invalid'] });
    const id = `${productId}.${input.id ?? randomUUID()}`;
    const shard = await this.shards.forId(productId);
    const result = await shard.reservations.db.transaction().execute(async (trx) => {
      const existing = await shard.reservations.byId(trx, id);
      if (existing) return { row: existing, changed: false };
      const stock = await shard.reservations.take(trx, productId, quantity);
      if (stock === null) {
        if ((await shard.reservations.stockOf(trx, productId)) === null) throw errors.notFound('product');
        throw errors.outOfStock();
      }
      const row = await shard.reservations.insert(trx, { id, product_id: productId, quantity });
      await this.outbox.add<CatalogTables>(trx, [stockChangedEvent({ productId, stock, delta: -quantity, reservationId: id, reason: 'reserved' })]);
      return { row, changed: true };
    });
    if (result.changed) await this.changed(productId);
    return view(result.row);
  }

  async release(reservationId: string): Promise<Reservation> {
    return this.settle(reservationId, 'released');
  }

  async commit(reservationId: string): Promise<Reservation> {
    return this.settle(reservationId, 'committed');
  }

  /** A held reservation becomes `state`; settling it again, or the other way after it settled, changes nothing. */
  private async settle(reservationId: string, state: 'released' | 'committed'): Promise<Reservation> {
    const shard = await this.shardOfReservation(reservationId);
    const result = await shard.reservations.db.transaction().execute(async (trx) => {
      const held = await shard.reservations.byId(trx, reservationId, true);
      if (!held) throw errors.notFound('reservation');
      if (held.state !== 'held') return { row: held, changed: false };
      const stock =
        state === 'released' ? await shard.reservations.giveBack(trx, held.product_id, held.quantity) : await shard.reservations.stockOf(trx, held.product_id);
      const row = await shard.reservations.setState(trx, reservationId, state);
      if (stock !== null) {
        const delta = state === 'released' ? held.quantity : 0;
        await this.outbox.add<CatalogTables>(trx, [stockChangedEvent({ productId: held.product_id, stock, delta, reservationId, reason: state })]);
      }
      return { row, changed: true };
    });
    if (result.changed) await this.changed(result.row.product_id);
    return view(result.row);
  }

  private async shardOfReservation(reservationId: string): Promise<Shard> {
    const productId = Number(reservationId.split('.')[0]);
    if (!Number.isSafeInteger(productId) || productId < 1) throw errors.notFound('reservation');
    return this.shards.forId(productId);
  }

  private async changed(productId: number): Promise<void> {
    this.outbox.wake();
    await this.cache.changed(productId);
  }
}
