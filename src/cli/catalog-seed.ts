import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { generateCatalog } from '../loadgen/seed/catalog-generator.js';
import { allServices } from '../services/registry.js';
import { insertProductsInBulk } from '../services/catalog/data/bulk-products.js';

export const CATALOG_HELP = `usage: scalestack seed --catalog N [--random-seed S]

Writes N realistic products (six categories, brand + adjective + noun names,
descriptions, prices in cents, attributes, stock) straight into the database
the system uses (DATABASE_URL, or PGlite in DATA_DIR), in batches of one
statement. Run it before \`scalestack start\` (or restart after): a running
system's caches do not see it. SKUs are SEED<S>-0000001...; seeding twice
with the same seed collides on them (use another --random-seed).
`;

/** `scalestack seed --catalog N`. */
export async function catalogSeed(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { catalog: { type: 'string' }, 'random-seed': { type: 'string', default: '1' } } });
  const count = Number(values.catalog);
  const seed = Number(values['random-seed']);
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`--catalog must be an integer >= 1, not "${values.catalog}"`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--random-seed must be an integer >= 0`);
  const config = loadConfig();
  const started = performance.now();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 2 });
  try {
    await runMigrations(db, migrationsFor(allServices));
    let done = 0;
    await insertProductsInBulk(db, generateCatalog(count, seed, `SEED${seed}`), (n) => {
      done += n;
      process.stderr.write(`\rproducts ${done}/${count}`);
    });
    process.stderr.write('\n');
    process.stdout.write(`seeded ${count} products in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await db.close();
  }
}
