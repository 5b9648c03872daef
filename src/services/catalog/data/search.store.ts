import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../../platform/db/database.js';
import type { CatalogTables } from './tables.js';
import type { ProductRow } from './products.store.js';
import { tsqueryText, type ProductQuery } from '../domain/product-query.js';

/** Price bands of the facets, in minor units: [min, max). */
export const PRICE_BANDS: readonly { min: number; max: number | null }[] = [
  { min: 0, max: 1_000 },
  { min: 1_000, max: 2_500 },
  { min: 2_500, max: 5_000 },
  { min: 5_000, max: 10_000 },
  { min: 10_000, max: 25_000 },
  { min: 25_000, max: null },
];

/** Marks around highlighted words: control characters product text never holds (refused on input), HTML-escaped later. */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';
const NAME_HEADLINE = `StartSel=${MARK_START},StopSel=${MARK_END},HighlightAll=true`;
const DESCRIPTION_HEADLINE = `StartSel=${MARK_START},StopSel=${MARK_END},MaxFragments=2,MaxWords=20,MinWords=6`;

export interface SearchHit extends ProductRow {
  /** Relevance (FTS rank + name trigram similarity); 0 for a listing. */
  rank: number;
  highlightName: string | null;
  highlightDescription: string | null;
}

/** One database's answer to a query; a sharded catalog merges one per shard. */
export interface ShardAnswer {
  /** Up to `limit + 1` rows in the query's order (the extra one says there is a next page). */
  hits: SearchHit[];
  total: number;
  categories: Map<string, number>;
  bands: number[];
}

type Db = Kysely<CatalogTables>;

/** How much of the query's trigrams a name must share to count as a (typo) match. */
const TYPO_THRESHOLD = 0.5;

/**
 * Search and listing over one database: Postgres full-text search (weighted tsvector: name A, description B;
 * the last term as a prefix) OR pg_trgm word similarity on the name (`<%`, threshold 0.6: "hedphones" finds
 * "Headphones"), ranked by both; keyset pagination; facets; ts_headline highlights of the page's rows.
 */
export class SearchStore {
  readonly db: Db;

  constructor(database: Database) {
    this.db = database.as<CatalogTables>();
  }

  async query(query: ProductQuery): Promise<ShardAnswer> {
    const text = query.terms?.join(' ');
    const tsq = query.terms ? sql`to_tsquery('english', ${tsqueryText(query.terms)})` : null;
    const match = text !== undefined && tsq ? sql`(p.search @@ ${tsq} or ${text} <% p.name)` : sql`true`;
    const rank = text !== undefined && tsq ? sql<number>`(ts_rank(p.search, ${tsq}) + word_similarity(${text}, p.name))::float8` : sql<number>`0::float8`;
    const price = sql.join(
      [
        sql`true`,
        ...(query.minPrice !== undefined ? [sql`p.price >= ${query.minPrice}`] : []),
        ...(query.maxPrice !== undefined ? [sql`p.price <= ${query.maxPrice}`] : []),
        ...(query.inStock === true ? [sql`p.stock > 0`] : query.inStock === false ? [sql`p.stock = 0`] : []),
      ],
      sql` and `,
    );
    const category = query.category !== undefined ? sql`p.category = ${query.category}` : sql`true`;
    const { order, after } = keyset(query, rank);
    const headlines = tsq
      ? sql`ts_headline('english', p.name, ${tsq}, ${NAME_HEADLINE}) as "highlightName",
            ts_headline('english', p.description, ${tsq}, ${DESCRIPTION_HEADLINE}) as "highlightDescription"`
      : sql`null::text as "highlightName", null::text as "highlightDescription"`;

    // Headlines are costly: computed for the page's rows only, after the limit.
    const page = sql<SearchHit>`select p.id, p.sku, p.name, p.description, p.price, p.currency, p.category, p.attributes, p.stock, p.images,
        p.created_at, p.updated_at, page.rank, ${headlines}
      from (select p.id, ${rank} as rank from catalog.products p
            where ${match} and ${price} and ${category} and ${after}
            order by ${order} limit ${query.limit + 1}) page
      join catalog.products p on p.id = page.id
      order by ${orderOuter(query)}`;
    const bandCounts = sql.join(
      PRICE_BANDS.map((b) => sql`count(*) filter (where p.price >= ${b.min}${b.max === null ? sql`` : sql` and p.price < ${b.max}`})::int`),
      sql`, `,
    );
    const counts = sql<{ total: number; bands: number[] }>`select count(*)::int as total, array[${bandCounts}] as bands
      from catalog.products p where ${match} and ${price} and ${category}`;
    // Category counts ignore the category filter: they say where else the query has results.
    const categories = sql<{ category: string; count: number }>`select p.category, count(*)::int as count
      from catalog.products p where ${match} and ${price} group by p.category`;

    // pg_trgm's default threshold (0.6) misses one-letter typos of short words ("kettel" is 0.57 of "kettle"):
    // 0.5 for these statements only (set_config local to the transaction), so `<%` still uses the trigram index.
    const [hits, totals, perCategory] = await this.db.transaction().execute(async (trx) => {
      if (text !== undefined) await sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_THRESHOLD)}, true)`.execute(trx);
      return [await page.execute(trx), await counts.execute(trx), await categories.execute(trx)] as const;
    });
    const totalsRow = totals.rows[0] ?? { total: 0, bands: PRICE_BANDS.map(() => 0) };
    return {
      hits: hits.rows.map((h) => ({ ...h, rank: Number(h.rank) })),
      total: Number(totalsRow.total),
      bands: totalsRow.bands.map(Number),
      categories: new Map(perCategory.rows.map((r) => [r.category, Number(r.count)])),
    };
  }
}

/** The ORDER BY of a sort and the condition "after the cursor" in that order (id breaks ties everywhere). */
function keyset(query: ProductQuery, rank: RawBuilder<number>): { order: RawBuilder<unknown>; after: RawBuilder<unknown> } {
  const a = query.after;
  switch (query.sort) {
    case 'relevance':
      return { order: sql`rank desc, p.id desc`, after: a ? sql`(${rank}, p.id) < (${a.value}::float8, ${a.id})` : sql`true` };
    case 'newest':
      return { order: sql`p.id desc`, after: a ? sql`p.id < ${a.id}` : sql`true` };
    case 'price_asc':
      return { order: sql`p.price asc, p.id asc`, after: a ? sql`(p.price, p.id) > (${a.value}::bigint, ${a.id})` : sql`true` };
    case 'price_desc':
      return { order: sql`p.price desc, p.id desc`, after: a ? sql`(p.price, p.id) < (${a.value}::bigint, ${a.id})` : sql`true` };
    case 'name':
      return { order: sql`p.name collate "C" asc, p.id asc`, after: a ? sql`(p.name collate "C", p.id) > (${a.value}::text collate "C", ${a.id})` : sql`true` };
  }
}

function orderOuter(query: ProductQuery): RawBuilder<unknown> {
  switch (query.sort) {
    case 'relevance':
      return sql`page.rank desc, p.id desc`;
    case 'newest':
      return sql`p.id desc`;
    case 'price_asc':
      return sql`p.price asc, p.id asc`;
    case 'price_desc':
      return sql`p.price desc, p.id desc`;
    case 'name':
      return sql`p.name collate "C" asc, p.id asc`;
  }
}

/** The sort value a cursor carries for a hit. */
export function sortValue(query: ProductQuery, hit: SearchHit): number | string | null {
  switch (query.sort) {
    case 'relevance':
      return hit.rank;
    case 'newest':
      return null;
    case 'price_asc':
    case 'price_desc':
      return hit.price;
    case 'name':
      return hit.name;
  }
}

/** Compares two hits in the query's order (for merging shards' pages). */
export function compareHits(query: ProductQuery, x: SearchHit, y: SearchHit): number {
  const byId = (asc: boolean) => (asc ? x.id - y.id : y.id - x.id);
  switch (query.sort) {
    case 'relevance':
      return y.rank - x.rank || byId(false);
    case 'newest':
      return byId(false);
    case 'price_asc':
      return x.price - y.price || byId(true);
    case 'price_desc':
      return y.price - x.price || byId(false);
    case 'name':
      return x.name < y.name ? -1 : x.name > y.name ? 1 : byId(true);
  }
}
