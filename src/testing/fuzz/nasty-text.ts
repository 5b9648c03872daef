import fc from 'fast-check';

/**
 * Text that has broken servers before: look-alikes, zero-width and bidi
 * controls, combining marks and both normal forms, astral characters, lone
 * surrogates (JSON.stringify sends them as `\udXXX` escapes), NUL, control
 * characters, SQL and LIKE metacharacters, path tricks, numbers in disguise.
 */
export const NASTY_FRAGMENTS: readonly string[] = [
  // look-alikes and normal forms
  'аlice', // Cyrillic а
  'ａｌｉｃｅ', // fullwidth
  'Jos\u00e9', // precomposed
  'Jose\u0301', // decomposed
  'ﬁ', // ligature (NFKC: fi)
  'İ', // dotted capital I (case folding)
  'ß',
  'K', // Kelvin sign
  // zero-width, format and bidi
  '\u200b',
  '\u200c\u200d',
  '\ufeff',
  '\u00ad', // soft hyphen
  '\u202eevil',
  '\u2066x\u2069',
  '\u061c',
  // astral, emoji, combining stacks
  '😀',
  '👩‍👩‍👧‍👦',
  '𝕏',
  '🏳️‍🌈',
  'Z\u0351\u0352\u0353\u0354\u0355\u0356\u0357',
  // lone and reversed surrogates (escaped by JSON.stringify, refused or stored by the server)
  '\ud800',
  '\udfff',
  'a\udc00b',
  '\udc00\ud800',
  // controls and whitespace
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\t',
  '\n',
  '\r\n',
  '\u2028',
  '\u00a0',
  '\u3000',
  ' ',
  // SQL, LIKE, JSON and path metacharacters
  "'",
  '"',
  '\\',
  '%',
  '_',
  "' OR '1'='1",
  '; drop table users; --',
  '$1',
  '{}',
  '[]',
  '../',
  '..%2f',
  '/',
  '?',
  '#',
  '&',
  '=',
  '+',
  // numbers in disguise
  '0x10',
  '1e3',
  '-0',
  'NaN',
  'Infinity',
  '１２', // fullwidth digits
  '١٢', // Arabic-Indic digits
  '9007199254740993',
  // markup
  '<script>alert(1)</script>',
  '${7*7}',
  '__proto__',
  'constructor',
];

/** One nasty fragment. */
export const nastyFragment = (): fc.Arbitrary<string> => fc.constantFrom(...NASTY_FRAGMENTS);

/** Several fragments, interleaved with ordinary text. */
export const nastyText = (): fc.Arbitrary<string> =>
  fc.array(fc.oneof(nastyFragment(), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));

/** A string of exactly `length` code points of one repeated (possibly astral) character. */
export const repeatedTo = (length: number): fc.Arbitrary<string> =>
  fc.constantFrom('x', 'é', '😀', '\u200b', ' ').map((c) => c.repeat(Math.max(0, length)));

/**
 * Text for a string field: random (graphemes, any code point), nasty, empty,
 * blank, and at, just over and far over the field's length bounds.
 */
export function textFor(bounds: { minLength?: number | undefined; maxLength?: number | undefined }): fc.Arbitrary<string> {
  const max = bounds.maxLength;
  const min = bounds.minLength ?? 0;
  const arbitraries: fc.Arbitrary<string>[] = [
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 40 }),
    nastyText(),
    fc.constantFrom('', ' ', '\t\n', '\u200b', '\u3000'),
  ];
  if (max !== undefined) arbitraries.push(repeatedTo(max), repeatedTo(max + 1));
  if (min > 0) arbitraries.push(repeatedTo(min - 1), repeatedTo(min));
  return fc.oneof(...arbitraries);
}

/** Characters a header value may carry on the wire (visible ASCII, space, tab, obs-text). */
export function headerText(maxLength = 40): fc.Arbitrary<string> {
  const headerChar = fc.oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constant(0x09),
  ).map((code) => String.fromCharCode(code));
  return fc.string({ unit: headerChar, maxLength });
}
