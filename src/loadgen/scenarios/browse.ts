import { zipf } from '../random.js';
import { requireSeed, ScenarioError, type RequestSpec, type Scenario } from './scenario.js';
import { weighted } from './weighted.js';

/**
 * Anonymous readers: article pages picked by Zipf(s=1) popularity (a few hot
 * articles, a long tail, which is what makes caching pay), with their
 * comments now and then, and the front page.
 */
export const browse: Scenario = {
  name: 'browse',
  description: 'anonymous Zipf article reads (80% article, 10% its comments, 10% front page)',
  needsSeed: true,
  prepare: (context) => {
    const seed = requireSeed(context, 'browse');
    if (seed.articles.length === 0) throw new ScenarioError('scenario "browse": the seed has no articles (seed with --articles M)');
    const { random } = context;
    const article = zipf(seed.articles.length, 1, random);
    const slug = () => encodeURIComponent(seed.articles[article()]!.slug);
    const kinds = weighted<() => RequestSpec>(
      [
        [80, () => ({ type: 'article', method: 'GET', path: `/api/articles/${slug()}` })],
        [10, () => ({ type: 'comments', method: 'GET', path: `/api/articles/${slug()}/comments` })],
        [10, () => ({ type: 'front-page', method: 'GET', path: '/api/articles?limit=20' })],
      ],
      random,
    );
    return () => kinds()();
  },
};
