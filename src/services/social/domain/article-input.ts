import { errors } from '../../../platform/errors/catalog.js';
import { canonicalIdentifier, hasInvisibleCharacters } from '../../../platform/text/identifiers.js';

export interface ArticleInput {
  title?: string | undefined;
  description?: string | undefined;
  body?: string | undefined;
  tagList?: string[] | undefined;
}

const REQUIRED = ['title', 'description', 'body'] as const;

/** Create: title, description and body present and not blank. Update: whichever are present, not blank. */
export function checkArticleInput(input: ArticleInput, mode: 'create' | 'update'): void {
  const problems: Record<string, string[]> = {};
  for (const field of REQUIRED) {
    const value = input[field];
    const missing = value === undefined ? mode === 'create' : value.trim() === '';
    if (missing) problems[field] = ["can't be blank"];
  }
  if (input.tagList?.some(hasInvisibleCharacters)) problems['tagList'] = ['must not contain control or invisible characters'];
  if (Object.keys(problems).length > 0) throw errors.validation(problems);
}

/** The form a tag is stored, shown and looked up in: trimmed, NFKC, lowercase ("React", "ＲＥＡＣＴ" and "react" are one tag). */
export const canonicalTag = canonicalIdentifier;

/** Canonical, blank ones dropped, no duplicates, sorted: the form tags are stored and shown in. */
export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map(canonicalTag).filter((t) => t.length > 0))].sort();
}
