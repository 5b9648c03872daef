import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { foldIdentifier, hasInvisibleCharacters, isSingleScript } from './identifiers.js';

describe('identifiers: one canonical form, no invisible characters, one script', () => {
  it('folds precomposed and decomposed, fullwidth and case variants to one form', () => {
    assert.equal(foldIdentifier('Jos\u00e9'), foldIdentifier('Jose\u0301'));
    assert.equal(foldIdentifier('Jos\u00e9'), 'jos\u00e9');
    assert.equal(foldIdentifier('ａｌｉｃｅ'), 'alice');
    assert.equal(foldIdentifier('ALICE'), 'alice');
    assert.equal(foldIdentifier('Bob@X.io'), 'bob@x.io');
    assert.equal(foldIdentifier('ﬁsh'), 'fish', 'ligature');
  });

  it('finds control and format characters: zero-width, bidi overrides, tabs, newlines, NUL', () => {
    for (const bad of ['alice\u200b', '\u200b', '\u202eevil', 'a\tb', 'a\nb', 'a\u0000b', 'a\u00adb', 'a\u2066b', '\ufeffa', 'a\u200db']) {
      assert.ok(hasInvisibleCharacters(bad), JSON.stringify(bad));
    }
  });

  it('finds the other default-ignorables and every separator but the ASCII space', () => {
    const others = ['alice\u034f', 'alice\ufe0f', 'alice\u3164', '\u115falice', 'a\u2028b', 'a\u2029b', 'a\u00a0b', 'a\u3000b', 'a\u2003b'];
    for (const bad of others) {
      assert.ok(hasInvisibleCharacters(bad), JSON.stringify(bad));
    }
    for (const good of ['alice', 'José', 'алиса', '東京', 'a b', 'a-b_c.d']) assert.ok(!hasInvisibleCharacters(good), good);
  });

  it('refuses mixed scripts (Cyrillic а in a Latin name), accepts one script and Latin with CJK', () => {
    assert.ok(!isSingleScript('\u0430lice'), 'Cyrillic а + Latin');
    assert.ok(!isSingleScript('p\u0430ypal'));
    assert.ok(!isSingleScript('αlpha'), 'Greek α + Latin');
    for (const ok of ['alice', 'José', 'алиса', 'αλφα', '東京', 'とうきょう東京', '東京tokyo', '서울', 'alice_42', 'john doe', '42', 'ｪ'])
      assert.ok(isSingleScript(foldIdentifier(ok)), ok);
  });
});
