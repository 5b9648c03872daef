import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { generateCatalog } from '../loadgen/seed/catalog-generator.js';
import { allServices } from '../services/registry.js';
import { insertProductsOnShards } from '../services/catalog/data/bulk-products.js';
import { catalogMigrations } from '../services/catalog/migrations.js';
import { openShards } from '../platform/sharding/open-shards.js';

export const CATALOG_HELP = `usage: scalestack seed --catalog N [--random-seed S]

Writes N realistic products (six categories, brand + adjective + noun names,
descriptions, prices in cents, attributes, stock) straight into the database
the system uses (DATABASE_URL, or PGlite in DATA_DIR), in batches of one
statement; with CATALOG_SHARDS set, on those databases, each product on the
shard its id hashes to, as the running service places them. Run it before \`scalestack start\` (or restart after): a running
system's caches do not see it. SKUs are SEED<S>-0000001...; seeding twice
with the same seed collides on them (use another --random-seed).
`;

export interface SeedCatalogOptions {
  /** The system's database (DATABASE_URL, or PGlite in dataDir). */
  databaseUrl: string | undefined;
  dataDir: string;
  /** CATALOG_SHARDS: the products go there, spread by the hash of their id. */
  catalogShards?: string | undefined;
  count: number;
  seed: number;
  onProgress?: (done: number) => void;
}

/** What `scalestack seed --catalog` does, callable in process (the catalog bench seeds with it). Returns the ids in order. */
export async function seedCatalog(options: SeedCatalogOptions): Promise<number[]> {
  const db = await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir, poolMax: 2 });
  try {
    await runMigrations(db, migrationsFor(allServices));
    // The service's own placement (catalog/index.ts): the same map, minus the outbox a seed does not write to.
    const map = await openShards({ name: 'catalog', home: db, env: { CATALOG_SHARDS: options.catalogShards }, migrations: catalogMigrations, strategy: 'hash' });
    try {
      let done = 0;
      const ids = await insertProductsOnShards(map, generateCatalog(options.count, options.seed, `SEED${options.seed}`), (n) => {
        done += n;
        options.onProgress?.(done);
      });
      // Fresh statistics, so the first searches plan with the seeded sizes rather than an empty table's.
      for (const shard of map.all()) await sql`analyze catalog.products`.execute(shard.as<object>());
      return ids;
    } finally {
      await map.close();
    }
  } finally {
    await db.close();
  }
}

/** `scalestack seed --catalog N`. */
export async function catalogSeed(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { catalog: { type: 'string' }, 'random-seed': { type: 'string', default: '1' } } });
  const count = Number(values.catalog);
  const seed = Number(values['random-seed']);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--catalog must be an integer >= 1, not "${values.catalog}"`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--random-seed must be an integer >= 0`);
  const config = loadConfig();
  const started = performance.now();
  await seedCatalog({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    catalogShards: config.CATALOG_SHARDS,
    count,
    seed,
    onProgress: (done) => process.stderr.write(`\rproducts ${done}/${count}`),
  });
  process.stderr.write('\n');
  process.stdout.write(`seeded ${count} products in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
