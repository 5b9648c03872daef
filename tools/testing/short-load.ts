import type { ApiClient } from '../../src/testing/api-client.js';
import { addComment, createArticle, favorite, feed, follow, listArticles, registerUser, sleep } from '../../src/testing/fixtures.js';

/**
 * A few seconds of every kind of Conduit request (writes that publish
 * events, cached reads, the feed, errors), so every metric family the
 * dashboards and rules read has samples.
 */
export async function shortLoad(api: ApiClient, rounds = 3): Promise<void> {
  const reader = await registerUser(api);
  for (let i = 0; i < rounds; i++) {
    const author = await registerUser(api);
    const article = await createArticle(api, author.token);
    await follow(api, reader.token, author.username);
    await favorite(api, reader.token, article.slug);
    await addComment(api, reader.token, article.slug);
    for (let r = 0; r < 3; r++) {
      await api.get(`/api/articles/${article.slug}`);
      await api.get(`/api/profiles/${author.username}`);
      await api.get('/api/tags');
      await listArticles(api);
    }
    await feed(api, reader.token);
    await api.get('/api/articles/no-such-article');
    await api.get('/no/such/route');
  }
  // Let the outbox relay, the consumers and the write-behind flush run.
  await sleep(1500);
}
