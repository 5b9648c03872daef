import { zipf } from '../random.js';
import { authHeaders, pick, requireSeed, type RequestSpec, type Scenario } from './scenario.js';
import { weighted } from './weighted.js';

/**
 * DeathStarBench's social-network mix: 60% home feed, 30% an author's
 * articles (their "user timeline"), 10% new posts. Feed readers are any seeded
 * user; timelines are read by author popularity (Zipf), since people look at
 * popular authors more.
 */
export const social: Scenario = {
  name: 'social',
  description: '60% home feed / 30% author articles / 10% post (the DeathStarBench mix)',
  needsSeed: true,
  prepare: (context) => {
    const seed = requireSeed(context, 'social');
    const { random } = context;
    const byFollowers = [...seed.users].sort((a, b) => b.followers - a.followers);
    const author = zipf(byFollowers.length, 1, random);
    let posts = 0;
    const run = Math.floor(random() * 1e9).toString(36);
    const kinds = weighted<() => RequestSpec>(
      [
        [60, () => ({ type: 'feed', method: 'GET', path: '/api/articles/feed?limit=20', headers: authHeaders(pick(seed.users, random).token) })],
        [
          30,
          () => ({
            type: 'author-articles',
            method: 'GET',
            path: `/api/articles?author=${encodeURIComponent(byFollowers[author()]!.username)}&limit=20`,
          }),
        ],
        [
          10,
          () => {
            const n = posts++;
            const user = pick(seed.users, random);
            const article = { title: `Load ${run} ${n}`, description: 'written under load', body: `Post ${n} by ${user.username}.`, tagList: ['load'] };
            return { type: 'post', method: 'POST', path: '/api/articles', headers: authHeaders(user.token, true), body: JSON.stringify({ article }) };
          },
        ],
      ],
      random,
    );
    return () => kinds()();
  },
};
