export interface ApiResponse<Body = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON, or null when empty. */
  body: Body;
}

export interface RequestOptions {
  token?: string | undefined;
  headers?: Record<string, string>;
  /** Sent as-is (for malformed-JSON tests) instead of JSON.stringify(body). */
  rawBody?: string | Buffer;
}

export interface ApiClient {
  request<Body = any>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<Body>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  get<Body = any>(path: string, options?: RequestOptions): Promise<ApiResponse<Body>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  post<Body = any>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<Body>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  put<Body = any>(path: string, body?: unknown, options?: RequestOptions): Promise<ApiResponse<Body>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  delete<Body = any>(path: string, options?: RequestOptions): Promise<ApiResponse<Body>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A small fetch wrapper for integration tests: `Authorization: Token <jwt>` when a token is given. */
export function createApiClient(baseUrl: string): ApiClient {
  const request = async (method: string, path: string, body?: unknown, options: RequestOptions = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers['authorization'] = `Token ${options.token}`;
    let payload: string | Buffer | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(new URL(path, baseUrl), { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
    return { status: res.status, headers: res.headers, body: parsed as any };
  };
  return {
    request,
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
    put: (path, body, options) => request('PUT', path, body, options),
    delete: (path, options) => request('DELETE', path, undefined, options),
  };
}
