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
 * the last term as a prefix) OR pg_trgm word similarity on the name (`<%`, threshold 0.5: "hedphones" finds
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
    return text !== undefined && tsq ? this.search(query, text, tsq, price, category) : this.list(query, price, category);
  }

  /**
   * A search, in one statement: the matching products (with rank) are found once, as two index-driven branches —
   * the full-text match on the tsvector's GIN index, and the typo match (`<%`) on the name's trigram index for the
   * rows the first did not find — and the page, totals, price bands and category counts all read that set.
   * (One `search @@ q or q <% name` over both indexes made Postgres scan the whole table and run the trigram test on
   * every row the full-text test rejected, three times per search: docs/adr/0025-catalog-search-in-postgres.md.)
   */
  private async search(query: ProductQuery, text: string, tsq: RawBuilder<unknown>, price: RawBuilder<unknown>, category: RawBuilder<unknown>): Promise<ShardAnswer> {
    const rank = sql<number>`(ts_rank(p.search, ${tsq}) + word_similarity(${text}, p.name))::float8`;
    const { order, after } = keyset(query, sql<number>`p.rank`);
    const statement = sql<SearchHit & Totals>`with matched as materialized (
          select p.id, p.price, p.category, p.name, ${rank} as rank from catalog.products p
            where p.search @@ ${tsq} and ${price}
          union all
          select p.id, p.price, p.category, p.name, ${rank} as rank from catalog.products p
            where ${text} <% p.name and (p.search @@ ${tsq}) is not true and ${price}
        ),
        page as (select p.id, p.rank from matched p where ${category} and ${after} order by ${order} limit ${query.limit + 1}),
        totals as (
          select (select count(*)::int from matched p where ${category}) as total,
            (select array[${bandCounts()}] from matched p where ${category}) as bands,
            (select coalesce(json_agg(json_build_array(c.category, c.count)), '[]'::json)
               from (select p.category, count(*)::int as count from matched p group by p.category) c) as categories
        )
      select t.total as "_total", t.bands as "_bands", t.categories as "_categories",
        ${columns}, page.rank, ${headlines(tsq)}
      from totals t
      left join (page join catalog.products p on p.id = page.id) on true
      order by ${orderOuter(query)}`;
    // pg_trgm's default threshold (0.6) misses one-letter typos of short words ("kettel" is 0.57 of "kettle"):
    // 0.5 for this statement only (set_config local to the transaction), so `<%` still uses the trigram index.
    // No sequential scan either: the planner costs `@@` as a cheap operator, so for a word in a fifth of the
    // catalog it reads the whole table and tests every row's tsvector (259 ms at 40,000 products) rather than
    // the GIN index's bitmap (16-36 ms). Both branches have an index path; search-plans.test.ts holds it.
    const { rows } = await this.db.transaction().execute(async (trx) => {
      await sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_THRESHOLD)}, true), set_config('enable_seqscan', 'off', true)`.execute(trx);
      return statement.execute(trx);
    });
    const first = rows[0];
    const hits = rows.filter((r) => r.id !== null).map(({ _total, _bands, _categories, ...h }) => ({ ...h, rank: Number(h.rank) }));
    return {
      hits,
      total: Number(first?._total ?? 0),
      bands: first ? first._bands.map(Number) : PRICE_BANDS.map(() => 0),
      categories: new Map((first?._categories ?? []).map(([c, n]) => [c, Number(n)])),
    };
  }

  /** A listing (no text): every product matches, so the totals and facets count the table (price and category filters aside). */
  private async list(query: ProductQuery, price: RawBuilder<unknown>, category: RawBuilder<unknown>): Promise<ShardAnswer> {
    const rank = sql<number>`0::float8`;
    const { order, after } = keyset(query, rank);
    const page = sql<SearchHit>`select ${columns}, page.rank, ${headlines(null)}
      from (select p.id, ${rank} as rank from catalog.products p
            where ${price} and ${category} and ${after}
            order by ${order} limit ${query.limit + 1}) page
      join catalog.products p on p.id = page.id
      order by ${orderOuter(query)}`;
    const counts = sql<{ total: number; bands: number[] }>`select count(*)::int as total, array[${bandCounts()}] as bands
      from catalog.products p where ${price} and ${category}`;
    // Category counts ignore the category filter: they say where else the query has results.
    const categories = sql<{ category: string; count: number }>`select p.category, count(*)::int as count
      from catalog.products p where ${price} group by p.category`;
    const [hits, totals, perCategory] = await this.db.transaction().execute(
      async (trx) => [await page.execute(trx), await counts.execute(trx), await categories.execute(trx)] as const,
    );
    const totalsRow = totals.rows[0] ?? { total: 0, bands: PRICE_BANDS.map(() => 0) };
    return {
      hits: hits.rows.map((h) => ({ ...h, rank: Number(h.rank) })),
      total: Number(totalsRow.total),
      bands: totalsRow.bands.map(Number),
      categories: new Map(perCategory.rows.map((r) => [r.category, Number(r.count)])),
    };
  }
}

/** The search statement's facets, on every row (and on the one row of an empty page, where the product columns are null). */
interface Totals {
  _total: number;
  _bands: number[];
  _categories: [string, number][];
}

const columns = sql`p.id, p.sku, p.name, p.description, p.price, p.currency, p.category, p.attributes, p.stock, p.images, p.created_at, p.updated_at`;

/** Headlines are costly: computed for the page's rows only, after the limit. */
function headlines(tsq: RawBuilder<unknown> | null): RawBuilder<unknown> {
  return tsq
    ? sql`ts_headline('english', p.name, ${tsq}, ${NAME_HEADLINE}) as "highlightName",
          ts_headline('english', p.description, ${tsq}, ${DESCRIPTION_HEADLINE}) as "highlightDescription"`
    : sql`null::text as "highlightName", null::text as "highlightDescription"`;
}

function bandCounts(): RawBuilder<unknown> {
  return sql.join(
    PRICE_BANDS.map((b) => sql`count(*) filter (where p.price >= ${b.min}${b.max === null ? sql`` : sql` and p.price < ${b.max}`})::int`),
    sql`, `,
  );
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
