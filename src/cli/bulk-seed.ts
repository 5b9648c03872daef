import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import argon2 from 'argon2';
import { sql } from 'kysely';
import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { migrationsFor } from '../platform/runtime/migrations-for.js';
import { createTokenService } from '../platform/auth/tokens.js';
import { resolveJwtSecret } from '../platform/auth/jwt-secret.js';
import { followGraph } from '../loadgen/seed/follow-graph.js';
import { defaultSeedFile, saveSeed, type SeedData } from '../loadgen/seed/seed-data.js';
import { progressBar } from '../loadgen/progress-bar.js';
import { prng, zipf } from '../loadgen/random.js';
import { allServices } from '../services/registry.js';
import { insertUsersInBulk } from '../services/identity/data/bulk-users.js';
import { BulkGraphWriter } from '../services/social/data/bulk-graph.js';

export const BULK_HELP = `usage: scalestack seed --bulk --users N --articles M [options]

Writes straight into the database the system uses (DATABASE_URL, or PGlite
in DATA_DIR), through each service's own bulk writer: N users sharing one
password, a power-law follow graph whose top author has --top-followers
followers (at least), M articles spread over the last 30 days, and --active of the
users marked as feed readers; then analyzes the database, so the planner has
statistics from the first query. Saves a sample of users (with tokens) and
articles to the seed file for load scenarios. Run it before \`scalestack
start\` (or restart after): a running system's caches do not see it.

  --users <n>          default 100000
  --articles <n>       default 50000
  --follows <n>        average follows per user (default 10)
  --top-followers <n>  followers of the most followed author (default min(50000, users-1))
  --active <fraction>  users who read their feed recently (default 0.2)
  --sample <n>         users saved to the seed file (default 5000)
  --out <file>         default ${defaultSeedFile()}
  --random-seed <n>    default 1
`;

export async function bulkSeed(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      bulk: { type: 'boolean' },
      users: { type: 'string', default: '100000' },
      articles: { type: 'string', default: '50000' },
      follows: { type: 'string', default: '10' },
      'top-followers': { type: 'string' },
      active: { type: 'string', default: '0.2' },
      sample: { type: 'string', default: '5000' },
      out: { type: 'string' },
      'random-seed': { type: 'string', default: '1' },
    },
  });
  const int = (name: keyof typeof values, min: number, fallback?: number) => {
    const raw = values[name];
    const n = raw === undefined ? fallback : Number(raw);
    if (n === undefined || !Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, not "${String(raw)}"`);
    return n;
  };
  const users = int('users', 2);
  const articles = int('articles', 0);
  const topFollowers = Math.min(int('top-followers', 0, 50_000), users - 1);
  const active = Number(values.active);
  if (!(active >= 0 && active <= 1)) throw new Error(`--active must be a fraction between 0 and 1, not "${values.active}"`);
  const sample = Math.min(int('sample', 1), users);
  const random = prng(int('random-seed', 0));
  const config = loadConfig();
  const started = performance.now();

  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 4, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  try {
    await runMigrations(db, migrationsFor(allServices));
    const run = randomBytes(3).toString('hex');
    const password = `pw-${randomBytes(9).toString('base64url')}`;
    const hash = await argon2.hash(password, { type: argon2.argon2id, memoryCost: config.ARGON2_MEMORY_KIB, timeCost: config.ARGON2_TIME_COST, parallelism: 1 });

    let bar = progressBar('users', users);
    const names = Array.from({ length: users }, (_, i) => `b${run}u${i}`);
    const ids = await insertUsersInBulk(db, names.map((username) => ({ username, email: `${username}@seed.example` })), hash, (n) => bar.tick(n));
    bar.done();

    const edges = withTopAuthor(followGraph(users, int('follows', 0), random), users, topFollowers, random);
    const followers = new Array<number>(users).fill(0);
    for (const [, followee] of edges) followers[followee]!++;
    const graph = new BulkGraphWriter(db, (n) => bar.tick(n));
    bar = progressBar('follows', edges.length);
    await graph.follows(edges.map(([a, b]) => [ids[a]!, ids[b]!] as const));
    bar.done();

    // Popular authors write more: authors by Zipf over the follower ranking, times spread over 30 days.
    const ranking = [...followers.keys()].sort((a, b) => followers[b]! - followers[a]!);
    const author = zipf(users, 1, random);
    const now = Date.now();
    const spread = 30 * 86_400_000;
    const posts = Array.from({ length: articles }, (_, i) => ({
      authorId: ids[ranking[author()]!]!,
      slug: `b${run}-article-${i}`,
      title: `Seeded article ${i}`,
      createdAt: new Date(now - spread + Math.floor((spread * (i + random())) / Math.max(1, articles))),
    }));
    bar = progressBar('articles', articles);
    await graph.articles(posts);
    bar.done();

    const sampled = pickDistinct(users, sample, random);
    const readers = new Set(sampled);
    for (let i = 0; i < users; i++) if (random() < active) readers.add(i);
    await graph.activeReaders([...readers].map((i) => ids[i]!));

    // Planner statistics for what was just written. Without them Postgres plans on empty-table estimates until
    // autovacuum's analyze comes by: the celebrity list (authors over the follower threshold) took 43 ms by the
    // primary key instead of 0.13 ms by its index, on 100,000 users.
    bar = progressBar('analyze', 1);
    await sql`analyze`.execute(db.as<object>());
    bar.tick();
    bar.done();

    const indexOf = new Map(ids.map((id, i) => [id, i]));
    const tokens = createTokenService(resolveJwtSecret(config.JWT_SECRET, config.DATA_DIR), config.JWT_TTL_SECONDS);
    const data: SeedData = {
      version: 1,
      target: config.DATABASE_URL ? 'postgres' : `pglite:${config.DATA_DIR}`,
      createdAt: new Date().toISOString(),
      password,
      users: await Promise.all(
        sampled.map(async (i) => ({ username: names[i]!, email: `${names[i]}@seed.example`, token: await tokens.sign(ids[i]!), followers: followers[i]! })),
      ),
      articles: posts.slice(-Math.min(posts.length, 10_000)).map((p) => ({ slug: p.slug, author: names[indexOf.get(p.authorId)!]! })),
      follows: edges.length,
    };
    // The most followed author goes into the sample too: benchmarks post as them.
    const top = ranking[0]!;
    if (!sampled.includes(top)) data.users.push({ username: names[top]!, email: `${names[top]}@seed.example`, token: await tokens.sign(ids[top]!), followers: followers[top]! });
    const out = values.out ?? defaultSeedFile();
    await saveSeed(out, data);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `bulk-seeded ${users} users (top author ${followers[top]} followers), ${edges.length} follows, ${articles} articles, ` +
        `${readers.size} active readers on ${db.driver} in ${seconds} s; sample of ${data.users.length} users saved to ${out}\n`,
    );
  } finally {
    await db.close();
  }
}

/** Makes the most-followed user's in-degree exactly `target` (adding followers at random), keeping edges distinct. */
function withTopAuthor(edges: Array<[number, number]>, users: number, target: number, random: () => number): Array<[number, number]> {
  const indegree = new Array<number>(users).fill(0);
  for (const [, b] of edges) indegree[b]!++;
  const top = indegree.indexOf(Math.max(...indegree));
  const has = new Set(edges.filter(([, b]) => b === top).map(([a]) => a));
  for (let guard = 0; has.size < target && guard < target * 20; guard++) {
    const follower = Math.floor(random() * users);
    if (follower !== top && !has.has(follower)) {
      has.add(follower);
      edges.push([follower, top]);
    }
  }
  return edges;
}

function pickDistinct(n: number, count: number, random: () => number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * n));
  return [...picked];
}
