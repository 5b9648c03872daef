/** Decides whether a target URL may be linked to; a hook so a feed (Safe Browsing, a list) can be plugged in. */
export type Blocklist = (url: URL) => Promise<boolean> | boolean;

/** Blocks each listed host and its subdomains (LINKS_BLOCKLIST). */
export function hostBlocklist(list: string | undefined): Blocklist {
  const hosts = (list ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  return (url) => {
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    return hosts.some((h) => host === h || host.endsWith(`.${h}`));
  };
}

export const MAX_URL_LENGTH = 2048;

/**
 * The target as a URL, or why it is refused. Only absolute http(s) URLs with
 * a host: `javascript:`, `data:`, `file:` and friends would turn the
 * shortener into an open door for script injection or phishing by redirect.
 * Credentials in the URL (`https://user:pass@host`) are refused too: they are
 * a classic disguise (`https://bank.com@evil.example`).
 */
export function parseTarget(raw: string): { url: URL } | { problem: string } {
  if (raw.length > MAX_URL_LENGTH) return { problem: `is longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { problem: 'is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'must be an http or https URL' };
  if (!url.hostname) return { problem: 'must have a host' };
  if (url.username || url.password) return { problem: 'must not carry credentials' };
  return { url };
}
