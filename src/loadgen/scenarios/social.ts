import { zipf } from '../random.js';
import { authHeaders, pick, requireSeed, type RequestSpec, type Scenario, type ScenarioContext } from './scenario.js';
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
  prepare: (context) => socialMix(context, 'social', true),
};

/**
 * The same mix without its posts (feed and author articles, 2:1): reads next to writes you make yourself, e.g.
 * the feed benchmark's readers while only the top author posts, so every post of that phase is theirs.
 */
export const socialReads: Scenario = {
  name: 'social-reads',
  description: '2/3 home feed / 1/3 author articles (the DeathStarBench mix without its posts)',
  needsSeed: true,
  prepare: (context) => socialMix(context, 'social-reads', false),
};

function socialMix(context: ScenarioContext, scenario: string, withPosts: boolean): () => RequestSpec {
  const seed = requireSeed(context, scenario);
  const { random } = context;
  const byFollowers = [...seed.users].sort((a, b) => b.followers - a.followers);
  const author = zipf(byFollowers.length, 1, random);
  let posts = 0;
  const run = Math.floor(random() * 1e9).toString(36);
  const post = (): RequestSpec => {
    const n = posts++;
    const user = pick(seed.users, random);
    const article = { title: `Load ${run} ${n}`, description: 'written under load', body: `Post ${n} by ${user.username}.`, tagList: ['load'] };
    return { type: 'post', method: 'POST', path: '/api/articles', headers: authHeaders(user.token, true), body: JSON.stringify({ article }) };
  };
  const kinds = weighted<() => RequestSpec>(
    [
      [60, () => ({ type: 'feed', method: 'GET', path: '/api/articles/feed?limit=20', headers: authHeaders(pick(seed.users, random).token) })],
      [30, () => ({ type: 'author-articles', method: 'GET', path: `/api/articles?author=${encodeURIComponent(byFollowers[author()]!.username)}&limit=20` })],
      ...(withPosts ? [[10, post] as [number, () => RequestSpec]] : []),
    ],
    random,
  );
  return () => kinds()();
}
