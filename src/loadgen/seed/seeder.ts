import { randomBytes } from 'node:crypto';
import { forEachBounded, jsonClient } from '../api-client.js';
import { progressBar } from '../progress-bar.js';
import { prng, zipf } from '../random.js';
import { followGraph } from './follow-graph.js';
import type { SeedArticle, SeedData, SeedUser } from './seed-data.js';

/**
 * Creates users, a power-law follow graph and articles through the public API
 * (so every write goes through the same code a real client uses), with
 * bounded concurrency. Names carry a run id so seeding the same server twice
 * never collides.
 */
export interface SeedOptions {
  target: string;
  users: number;
  articles: number;
  /** Average follows per user; the in-degree is Zipf-distributed (a few celebrities). */
  followsPerUser: number;
  concurrency: number;
  randomSeed: number;
  quiet?: boolean;
}

const TAGS = ['node', 'postgres', 'scaling', 'caching', 'queues', 'feeds', 'redis', 'latency', 'testing', 'http'];
const PASSWORD_BYTES = 12;

export async function seed(options: SeedOptions): Promise<SeedData> {
  const random = prng(options.randomSeed);
  const run = randomBytes(3).toString('hex');
  const password = `pw-${randomBytes(PASSWORD_BYTES).toString('base64url')}`;
  const api = jsonClient(options.target, options.concurrency);
  const bar = (label: string, total: number) => (options.quiet ? { tick() {}, done() {} } : progressBar(label, total));
  try {
    const users: SeedUser[] = new Array<SeedUser>(options.users);
    let progress = bar('users', options.users);
    await forEachBounded(options.users, options.concurrency, async (i) => {
      const username = `ss${run}u${i}`;
      const email = `${username}@seed.example`;
      const res = await api.post<{ user: { token: string } }>('/api/users', { user: { username, email, password } });
      users[i] = { username, email, token: res.user.token, followers: 0 };
      progress.tick();
    });
    progress.done();

    const edges = followGraph(options.users, options.followsPerUser, random);
    for (const [, followee] of edges) users[followee]!.followers++;
    progress = bar('follows', edges.length);
    await forEachBounded(edges.length, options.concurrency, async (i) => {
      const [follower, followee] = edges[i]!;
      await api.post(`/api/profiles/${users[followee]!.username}/follow`, undefined, users[follower]!.token);
      progress.tick();
    });
    progress.done();

    // Popular authors write more: authors are drawn by the same kind of Zipf law.
    const author = zipf(Math.max(1, options.users), 0.8, random);
    const authors = Array.from({ length: options.articles }, () => author());
    const articles: SeedArticle[] = new Array<SeedArticle>(options.articles);
    progress = bar('articles', options.articles);
    await forEachBounded(options.articles, options.concurrency, async (i) => {
      const user = users[authors[i]!]!;
      const article = {
        title: `Seeded article ${run} ${i}`,
        description: `Article ${i} by ${user.username}`,
        body: `Body of seeded article ${i}. `.repeat(8),
        tagList: [TAGS[i % TAGS.length]!, TAGS[(i * 7 + 3) % TAGS.length]!],
      };
      const res = await api.post<{ article: { slug: string } }>('/api/articles', { article }, user.token);
      articles[i] = { slug: res.article.slug, author: user.username };
      progress.tick();
    });
    progress.done();

    // The shop scenario's shelf: whatever the catalog sells now (`scalestack seed --catalog N` fills it).
    const shelf = await api.get<{ products: { id: number }[] }>('/api/products?inStock=true&limit=100');

    return {
      version: 1,
      target: options.target,
      createdAt: new Date().toISOString(),
      password,
      users,
      articles,
      follows: edges.length,
      products: shelf.products.map((p) => p.id),
    };
  } finally {
    await api.close();
  }
}
