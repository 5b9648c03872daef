import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { CatalogTables } from './tables.js';

export type ReservationRow = Selectable<CatalogTables['catalog.reservations']>;

/** Stock reservations of one database (one shard): the only SQL that moves stock. */
export class ReservationsStore {
  readonly db: Kysely<CatalogTables>;

  constructor(database: Database) {
    this.db = database.as<CatalogTables>();
  }

  async byId(trx: Kysely<CatalogTables>, id: string, lock = false): Promise<ReservationRow | undefined> {
    const query = trx.selectFrom('catalog.reservations').selectAll().where('id', '=', id);
    return (lock ? query.forUpdate() : query).executeTakeFirst();
  }

  /**
   * Takes `quantity` units if that many are available, in one statement: the row lock makes concurrent
   * reservations of the product queue, and each re-checks `stock >= quantity` on the row as the previous
   * one left it, so stock never goes below zero (the check constraint would refuse it anyway).
   * The stock left, or null when there were too few (or no product).
   */
  async take(trx: Kysely<CatalogTables>, productId: number, quantity: number): Promise<number | null> {
    const row = await trx
      .updateTable('catalog.products')
      .set({ stock: sql<number>`stock - ${quantity}` })
      .where('id', '=', productId)
      .where('stock', '>=', quantity)
      .returning('stock')
      .executeTakeFirst();
    return row ? row.stock : null;
  }

  /** Gives units back; the stock now, or null when the product is gone. */
  async giveBack(trx: Kysely<CatalogTables>, productId: number, quantity: number): Promise<number | null> {
    const row = await trx
      .updateTable('catalog.products')
      .set({ stock: sql<number>`stock + ${quantity}` })
      .where('id', '=', productId)
      .returning('stock')
      .executeTakeFirst();
    return row ? row.stock : null;
  }

  async stockOf(trx: Kysely<CatalogTables>, productId: number): Promise<number | null> {
    const row = await trx.selectFrom('catalog.products').select('stock').where('id', '=', productId).executeTakeFirst();
    return row ? row.stock : null;
  }

  /** A held reservation, or undefined when one with this id exists already (committed by then: the insert waits for it). */
  async insertNew(trx: Kysely<CatalogTables>, row: Pick<ReservationRow, 'id' | 'product_id' | 'quantity'>): Promise<ReservationRow | undefined> {
    return trx
      .insertInto('catalog.reservations')
      .values({ ...row, state: 'held' })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  async setState(trx: Kysely<CatalogTables>, id: string, state: ReservationRow['state']): Promise<ReservationRow> {
    return trx
      .updateTable('catalog.reservations')
      .set({ state, updated_at: sql`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
