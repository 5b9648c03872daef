import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { CatalogTables } from './tables.js';

export type ProductRow = Omit<Selectable<CatalogTables['catalog.products']>, 'attributes'> & { attributes: Record<string, unknown> };

/** What an admin writes; id and times are the database's. */
export type NewProduct = Omit<ProductRow, 'id' | 'images' | 'created_at' | 'updated_at'>;

export type ProductChanges = Partial<Omit<NewProduct, 'stock'>>;

const COLUMNS = ['id', 'sku', 'name', 'description', 'price', 'currency', 'category', 'attributes', 'stock', 'images', 'created_at', 'updated_at'] as const;

/** Postgres' unique_violation: a concurrent write took the sku first. */
export const isSkuTaken = (err: unknown) => (err as { code?: string })?.code === '23505' && String((err as { constraint?: string; message?: string }).constraint ?? (err as Error).message).includes('products_sku_key');

/** Category slug → display name: "home-audio" → "Home audio". */
export const categoryName = (slug: string) => slug.charAt(0).toUpperCase() + slug.slice(1).replace(/-/g, ' ');

/** Products and categories of one database (one shard); the only SQL that writes them. */
export class ProductsStore {
  readonly db: Kysely<CatalogTables>;

  constructor(database: Database) {
    this.db = database.as<CatalogTables>();
  }

  async byId(id: number, db: Kysely<CatalogTables> = this.db): Promise<ProductRow | undefined> {
    return db.selectFrom('catalog.products').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async skuTaken(sku: string, exceptId = 0): Promise<boolean> {
    const row = await this.db
      .selectFrom('catalog.products')
      .select('id')
      .where(sql<string>`lower(sku)`, '=', sku.toLowerCase())
      .where('id', '!=', exceptId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Inserts in `trx` (which also writes the event), creating the category on first use. */
  async insert(trx: Kysely<CatalogTables>, product: NewProduct, id?: number): Promise<ProductRow> {
    await this.ensureCategory(trx, product.category);
    return trx
      .insertInto('catalog.products')
      .values({ ...(id !== undefined ? { id } : {}), ...product, attributes: JSON.stringify(product.attributes) })
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
  }

  async update(trx: Kysely<CatalogTables>, id: number, changes: ProductChanges): Promise<ProductRow | undefined> {
    if (changes.category !== undefined) await this.ensureCategory(trx, changes.category);
    const { attributes, ...rest } = changes;
    return trx
      .updateTable('catalog.products')
      .set({
        ...rest,
        ...(attributes !== undefined ? { attributes: JSON.stringify(attributes) } : {}),
        updated_at: sql`greatest(clock_timestamp(), updated_at + interval '1 millisecond')`,
      })
      .where('id', '=', id)
      .returning(COLUMNS)
      .executeTakeFirst();
  }

  /** Appends an image (its sha256) unless the product already has it; undefined when there is no such product. */
  async addImage(trx: Kysely<CatalogTables>, id: number, sha256: string): Promise<ProductRow | undefined> {
    return trx
      .updateTable('catalog.products')
      .set({
        images: sql`case when ${sha256} = any(images) then images else array_append(images, ${sha256}::text) end`,
        updated_at: sql`greatest(clock_timestamp(), updated_at + interval '1 millisecond')`,
      })
      .where('id', '=', id)
      .returning(COLUMNS)
      .executeTakeFirst();
  }

  async delete(trx: Kysely<CatalogTables>, id: number): Promise<ProductRow | undefined> {
    return trx.deleteFrom('catalog.products').where('id', '=', id).returning(COLUMNS).executeTakeFirst();
  }

  /** Categories with at least one product, and how many products each has. */
  async categories(): Promise<{ slug: string; name: string; productsCount: number }[]> {
    const rows = await this.db
      .selectFrom('catalog.categories as c')
      .innerJoin('catalog.products as p', 'p.category', 'c.slug')
      .select(['c.slug', 'c.name', (eb) => eb.fn.countAll<number>().as('productsCount')])
      .groupBy(['c.slug', 'c.name'])
      .orderBy('c.slug')
      .execute();
    return rows.map((r) => ({ ...r, productsCount: Number(r.productsCount) }));
  }

  private async ensureCategory(trx: Kysely<CatalogTables>, slug: string): Promise<void> {
    await trx.insertInto('catalog.categories').values({ slug, name: categoryName(slug) }).onConflict((oc) => oc.column('slug').doNothing()).execute();
  }
}
