import assert from 'node:assert/strict';
import pg from 'pg';
import type { ApiClient } from '../../testing/api-client.js';

export interface LinkJson {
  code: string;
  shortUrl: string;
  url: string;
  permanent: boolean;
  expiresAt: string | null;
  disabled: boolean;
  clicks: number;
  createdAt: string;
}

/** Creates a link as the token's user; asserts 201. */
export async function createLink(api: ApiClient, token: string, link: Record<string, unknown>): Promise<LinkJson> {
  const res = await api.post<{ link: LinkJson }>('/api/links', { link }, { token });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.link;
}

/** GET without following the redirect: status, Location and the body (errors are JSON). */
export async function visit(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; location: string | null; cacheControl: string | null; body: unknown }> {
  const res = await fetch(new URL(path, baseUrl), { redirect: 'manual', headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, location: res.headers.get('location'), cacheControl: res.headers.get('cache-control'), body };
}

/** Polls `check` (every 25 ms, up to 10 s) until it returns true. */
export async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The links rows of one Postgres database (a shard, or the service's own), read directly. */
export async function linksOnDatabase(url: string): Promise<{ code: string; clicks: number }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ code: string; clicks: string }>('select code, clicks from links.links order by code');
    return rows.map((r) => ({ code: r.code, clicks: Number(r.clicks) }));
  } finally {
    await client.end();
  }
}
