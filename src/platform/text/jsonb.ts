/** A lone UTF-16 surrogate: a JSON body may escape one ("\udc00"); it is not a character. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** U+FFFD in place of each lone surrogate (String.prototype.toWellFormed, which the ES2022 lib does not declare). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/**
 * JSON text for a jsonb parameter. JSON.stringify escapes a lone surrogate as `\udc00`, which
 * Postgres's jsonb refuses (22P05): a comment ending in one would fail the write of its event.
 */
export function jsonbText(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v));
}
