import { marked } from 'marked';
import DOMPurify from 'dompurify';

/**
 * Article bodies are markdown written by anyone: marked turns them into HTML
 * and DOMPurify removes what could run (script and style elements, on*
 * attributes, javascript:/data: URLs) before the HTML reaches the page.
 */
export function renderMarkdown(source: string): string {
  const html = marked.parse(source, { async: false, gfm: true });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button'] });
}

// Links in articles open without handing this page to the target.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) node.setAttribute('rel', 'noopener noreferrer nofollow');
});
