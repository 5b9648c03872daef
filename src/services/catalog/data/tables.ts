import type { ColumnType, Generated } from 'kysely';

/** The catalog schema as Kysely sees it; mirrors ../migrations.ts. */
export interface CatalogTables {
  'catalog.categories': { slug: string; name: string };
  'catalog.products': {
    id: Generated<number>;
    sku: string;
    name: string;
    description: string;
    price: number;
    currency: string;
    category: string;
    attributes: ColumnType<Record<string, unknown>, string, string>;
    stock: number;
    images: Generated<string[]>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  'catalog.reservations': {
    id: string;
    product_id: number;
    quantity: number;
    state: 'held' | 'committed' | 'released';
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
}
