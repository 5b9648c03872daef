/** The RealWorld API over fetch: same origin, `Authorization: Token <jwt>`, errors as `{ errors: { field: [messages] } }`. */
export interface User { email: string; token: string; username: string; bio: string | null; image: string | null }
export interface Profile { username: string; bio: string | null; image: string | null; following: boolean }
export interface Article {
  slug: string; title: string; description: string; body: string; tagList: string[];
  createdAt: string; updatedAt: string; favorited: boolean; favoritesCount: number; author: Profile;
}
export interface Comment { id: number; createdAt: string; updatedAt: string; body: string; author: Profile }

const TOKEN_KEY = 'conduit.token';

export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}
export function storeToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An answer other than 2xx: `messages` flattens the API's `{ errors: { body: ["can't be empty"] } }` into lines. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly messages: string[]) {
    super(messages.join('; ') || `HTTP ${status}`);
  }
}

export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  const token = storedToken();
  if (token) headers['authorization'] = `Token ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, errorLines(data));
  return data as T;
}

function errorLines(data: unknown): string[] {
  const errors = (data as { errors?: Record<string, string[] | string> }).errors;
  if (!errors || typeof errors !== 'object') return [];
  return Object.entries(errors).flatMap(([field, list]) => (Array.isArray(list) ? list : [list]).map((m) => `${field} ${m}`));
}

export const PAGE_SIZE = 10;

export type ArticleQuery = { feed: true } | { tag?: string; author?: string; favorited?: string };

export function articlesPath(query: ArticleQuery, page: number): string {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(page * PAGE_SIZE) });
  if ('feed' in query) return `/articles/feed?${params}`;
  for (const key of ['tag', 'author', 'favorited'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  return `/articles?${params}`;
}
