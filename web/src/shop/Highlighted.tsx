/**
 * A search hit's text with its matched words marked. The server sends HTML (text escaped, matches in
 * <mark>); we do not put it in innerHTML: it is split on the two tags and unescaped into text nodes.
 */
export function Highlighted({ html, text }: { html: string | undefined; text: string }) {
  if (!html) return <>{text}</>;
  const parts = html.split(/(<mark>|<\/mark>)/);
  let marked = false;
  const nodes: React.ReactNode[] = [];
  parts.forEach((part, i) => {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) nodes.push(marked ? <mark key={i}>{unescape(part)}</mark> : unescape(part));
  });
  return <>{nodes}</>;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);
