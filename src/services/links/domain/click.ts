/** One redirect as the analytics store keeps it; nothing that identifies the visitor. */
export interface ClickEvent {
  /** Epoch milliseconds. */
  at: number;
  code: string;
  /** The Referer's host, or '' (direct, or the referrer was withheld). */
  referrer: string;
  /** ISO country code; 'ZZ' (unknown) until a GeoIP lookup is plugged in. */
  country: string;
  ua: UaClass;
}

export type UaClass = 'bot' | 'mobile' | 'desktop' | 'other';

export function referrerHost(referer: string | undefined): string {
  if (!referer) return '';
  try {
    return new URL(referer).hostname.toLowerCase().slice(0, 253);
  } catch {
    return '';
  }
}

/** A coarse class, enough for a dashboard; a full parser costs more than the redirect itself. */
export function uaClass(ua: string | undefined): UaClass {
  if (!ua) return 'other';
  if (/bot|crawl|spider|slurp|curl|wget|python|go-http|node-fetch|undici|headless/i.test(ua)) return 'bot';
  if (/mobi|android|iphone|ipad/i.test(ua)) return 'mobile';
  if (/windows|macintosh|linux|x11|cros/i.test(ua)) return 'desktop';
  return 'other';
}
