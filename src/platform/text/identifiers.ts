/**
 * One canonical form for the names people are found by — usernames, emails,
 * tags — shared by every service that stores or compares them (identity for
 * users, social for tags), so "José" typed precomposed or decomposed,
 * "ａｌｉｃｅ" in fullwidth and "ALICE" are one name everywhere.
 * Policy: docs/adr/0016-identifier-normalization.md.
 */

/**
 * NFKC (compatibility forms: fullwidth, ligatures, composed accents), then
 * Unicode's default lowercase mapping (String#toLowerCase, locale-free), then
 * NFKC again (lowercasing can un-normalize). Not full case folding: "ß" stays "ß".
 */
export function foldIdentifier(value: string): string {
  return value.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** The form a name is stored and compared in: surrounding whitespace dropped, then folded. */
export function canonicalIdentifier(value: string): string {
  return foldIdentifier(value.trim());
}

/**
 * Characters that make two names that look alike differ, never allowed:
 * control (Cc: tabs, newlines, NUL…) and format (Cf: zero-width spaces and
 * joiners, bidi overrides like U+202E, soft hyphens) characters; the rest of
 * Unicode's default-ignorables, which render as nothing (U+034F combining
 * grapheme joiner, variation selectors, Hangul fillers U+115F/U+3164); and
 * every separator but the ASCII space (line/paragraph separators, no-break
 * and ideographic spaces).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Zl}\p{Zp}]|[^\P{Zs} ]/u;

export function hasInvisibleCharacters(value: string): boolean {
  return INVISIBLE.test(value);
}

/** The scripts told apart; a letter of a script not listed counts as "other" (accepted alone, not mixed with these). */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Devanagari', 'Bengali',
  'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala', 'Thai', 'Lao', 'Tibetan',
  'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Cherokee', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo', 'Han',
] as const;
const SCRIPT_TESTS = SCRIPTS.map((name) => ({ name, test: new RegExp(`\\p{Script_Extensions=${name}}`, 'u') }));
const NEUTRAL = /[\p{Script_Extensions=Common}\p{Script_Extensions=Inherited}]/u;

/** UTS #39's CJK writing systems: Han with kana (Japanese), with Bopomofo, or with Hangul (Korean) count as one. */
function scriptsOf(char: string): Set<string> {
  const scripts = new Set(SCRIPT_TESTS.filter((s) => s.test.test(char)).map((s) => s.name as string));
  if (scripts.size === 0) scripts.add('other');
  if (scripts.has('Han')) for (const s of ['Jpan', 'Hanb', 'Kore']) scripts.add(s);
  if (scripts.has('Hiragana') || scripts.has('Katakana')) scripts.add('Jpan');
  if (scripts.has('Bopomofo')) scripts.add('Hanb');
  if (scripts.has('Hangul')) scripts.add('Kore');
  return scripts;
}

/**
 * Whether the name stays within one writing system: UTS #39's "highly
 * restrictive" level — one script, or Latin with one of Japanese, Chinese
 * (Han + Bopomofo) or Korean. Digits, punctuation and combining marks
 * (Common, Inherited) go with any script. So "аlice" (Cyrillic а, Latin
 * lice) is refused, while "алиса", "alice" and "東京tokyo" are fine.
 */
export function isSingleScript(value: string): boolean {
  const intersect = (a: Set<string> | undefined, b: Set<string>): Set<string> => (a ? new Set([...a].filter((s) => b.has(s))) : b);
  let common: Set<string> | undefined;
  let nonLatin: Set<string> | undefined;
  for (const char of value) {
    if (NEUTRAL.test(char) && !/\p{L}/u.test(char)) continue;
    const scripts = scriptsOf(char);
    common = intersect(common, scripts);
    if (!scripts.has('Latin')) nonLatin = intersect(nonLatin, scripts);
  }
  if (!common || common.size > 0) return true;
  // Latin plus one CJK writing system.
  return nonLatin !== undefined && ['Jpan', 'Hanb', 'Kore'].some((s) => nonLatin.has(s));
}
