import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { slugify, suffixed } from './slug.js';

describe('slugify', () => {
  it('kebab-cases titles and drops accents and punctuation', () => {
    assert.equal(slugify('How to Train Your Dragon!'), 'how-to-train-your-dragon');
    assert.equal(slugify('  Crème brûlée — 2nd edition '), 'creme-brulee-2nd-edition');
  });

  it('falls back when nothing is left', () => {
    assert.equal(slugify('!!!'), 'article');
    assert.equal(slugify('日本語'), 'article');
  });

  it('never yields a slug that a static route shadows', () => {
    assert.equal(slugify('Feed'), 'feed-article');
    assert.equal(slugify('Feed me'), 'feed-me');
  });

  it('caps the length without a trailing dash', () => {
    const slug = slugify('a '.repeat(200));
    assert.ok(slug.length <= 80);
    assert.ok(!slug.endsWith('-'));
  });

  it('suffixes to make a distinct slug', () => {
    assert.match(suffixed('dragons'), /^dragons-[a-z0-9]+$/);
    assert.notEqual(suffixed('dragons'), suffixed('dragons'));
  });
});
