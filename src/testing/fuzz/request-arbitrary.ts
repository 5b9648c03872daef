import fc from 'fast-check';
import type { FuzzRoute } from './route-table.js';
import { fuzzText, fuzzValue, type JsonSchema, type KnownValues } from './schema-arbitrary.js';
import { headerText, textFor } from './nasty-text.js';

/** A request as app.inject takes it. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** What already exists in the system, so fuzzed requests also reach real rows (and their owners). */
export interface FuzzWorld {
  /** Tokens of signed-in users (the first owns the known article and comment). */
  tokens: string[];
  /** Validly signed tokens that must be refused: expired, for a user that does not exist, alg none. */
  badTokens: string[];
  /** Real values by field or parameter name (slug, username, id, email, password, tag, author...), drawn now and then. */
  known: KnownValues;
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) is
 * sent as the percent-encoded bytes a careless client would produce (WTF-8).
 */
export function encodeText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** Percent-encodings that are malformed, overlong or decode to something path-like. */
const RAW_SEGMENTS = ['%', '%zz', '%c0%af', '%ff', '%ed%a0%80', '%e2%80%ae', '..', '.', '%2e%2e', '%2F', '%5c', '%u0041', '%25', '%20', '~', '%00', '%0a', '%23', '%3F'];

function segment(world: FuzzWorld, name: string, schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const real = world.known[name] ?? [];
  return fc.oneof(
    { arbitrary: fuzzText(schema, name).map(encodeText), weight: 4 },
    { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
    ...(real.length > 0 ? [{ arbitrary: fc.constantFrom(...real).map(encodeText), weight: 4 }] : []),
  );
}

/** The route's pattern with every `:param` replaced by a fuzzed, known or malformed segment. */
function pathFor(route: FuzzRoute, world: FuzzWorld): fc.Arbitrary<string> {
  const names = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = (route.params ?? {}) as JsonSchema;
  return fc
    .tuple(...names.map((name) => segment(world, name, params.properties?.[name])))
    .map((values) => values.reduce((url, value, i) => url.replace(`:${names[i]}`, () => value), route.url));
}

/** A query string: the schema's keys (absent, fuzzed, repeated, malformed) plus unknown ones. */
function queryFor(route: FuzzRoute, world: FuzzWorld): fc.Arbitrary<string> {
  const schema = (route.querystring ?? { properties: {} }) as JsonSchema;
  const names = Object.keys(schema.properties ?? {});
  const valueFor = (name: string) => {
    const real = world.known[name] ?? [];
    return fc.oneof(
      { arbitrary: fuzzText(schema.properties?.[name], name).map(encodeText), weight: 5 },
      { arbitrary: fc.constantFrom(...RAW_SEGMENTS), weight: 1 },
      ...(real.length > 0 ? [{ arbitrary: fc.constantFrom(...real).map(encodeText), weight: 3 }] : []),
    );
  };
  const pair = fc.oneof(
    ...(names.length > 0 ? [{ arbitrary: fc.constantFrom(...names).chain((n) => valueFor(n).map((v) => `${n}=${v}`)), weight: 5 }] : []),
    { arbitrary: fc.constantFrom(...names, 'unknown', '', '=', '&', '[]', 'limit[]', 'a[b]'), weight: 1 },
    { arbitrary: textFor({}).map((k) => `${encodeText(k)}=${encodeText(k)}`), weight: 1 },
  );
  const query = fc.array(pair, { maxLength: 5 }).map((pairs) => `?${pairs.join('&')}`);
  return fc.oneof({ arbitrary: fc.constant(''), weight: names.length > 0 ? 1 : 5 }, { arbitrary: query, weight: 1 });
}

/** Authorization as clients send it (RealWorld's `Token`, `Bearer`) and as attackers do. */
function authorizationFor(route: FuzzRoute, world: FuzzWorld): fc.Arbitrary<string | undefined> {
  const token = fc.constantFrom(...world.tokens);
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: route.auth === 'required' ? 1 : 4 },
    { arbitrary: token.map((t) => `Token ${t}`), weight: 8 },
    {
      arbitrary: fc.oneof(
        token.map((t) => `Bearer ${t}`),
        token.map((t) => `token  ${t} `),
        token.map((t) => `Token ${t}x`),
        token.map((t) => `Token ${t.slice(0, -2)}`),
        token.map((t) => `Token ${t}, Token ${t}`),
        token.map((t) => `Basic ${t}`),
        token.map((t) => `Token ${t.split('.').slice(0, 2).join('.')}.`),
        fc.constantFrom(...world.badTokens).map((t) => `Token ${t}`),
        fc.constantFrom('', 'Token', 'Token ', 'Bearer', 'Basic dXNlcjpwYXNz', 'Token a.b.c', 'Token ....', 'Token eyJ', 'Token null', `Token ${'a'.repeat(8000)}`),
        headerText(60),
      ),
      weight: 1,
    },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json ; foo=bar',
  'application/vnd.api+json',
  'application/json-patch+json',
  'application/jsonx',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  '',
  ';',
  '*/*',
];

/** Bodies no schema describes: empty, not JSON, JSON that is not an object, duplicate keys, deep nesting, a BOM, too large. */
const RAW_BODIES = [
  '',
  ' ',
  'null',
  '[]',
  '"x"',
  '0',
  '{',
  '{"a":1,"a":2}',
  '\ufeff{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '\u0000',
  '[' .repeat(10_000) + ']'.repeat(10_000),
  '{"a":' .repeat(5_000) + '1' + '}'.repeat(5_000),
  '"\\ud800"',
  '{"x":"\\u0000"}',
];

function payloadFor(route: FuzzRoute, known: KnownValues): fc.Arbitrary<string | undefined> {
  const raw = fc.oneof(fc.constantFrom(...RAW_BODIES), fc.constant(`{"x":"${'y'.repeat(1_100_000)}"}`));
  if (route.body) {
    return fc.oneof(
      { arbitrary: fuzzValue(route.body as JsonSchema, { known }).map((v) => JSON.stringify(v) ?? 'null'), weight: 12 },
      { arbitrary: raw, weight: 2 },
      { arbitrary: fc.constant(undefined), weight: 1 },
    );
  }
  // Routes without a body: mostly none, sometimes JSON or junk anyway.
  return fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 6 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), weight: 1 },
    { arbitrary: raw, weight: 1 },
  );
}

/** Headers besides Authorization and Content-Type: conditional requests, forged gateway identity, odd Accept. */
function otherHeaders(): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"x"', '"a", "b"', '', ',,,', 'W/', '"', `"${'e'.repeat(4000)}"`), headerText(30)),
      accept: fc.constantFrom('text/html', '*/*', 'application/xml', '', 'application/json;q=0'),
      'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', '*', 'zstd'),
      'x-request-id': headerText(40),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', 'garbage', '::1, 10.0.0.1'),
      // Hop-by-hop and proxy-only headers (RFC 9110 §7.6.1): a proxy must not forward them.
      expect: fc.constantFrom('100-continue', 'nonsense'),
      connection: fc.constantFrom('close', 'keep-alive', 'x-secret, close', 'upgrade'),
      te: fc.constantFrom('trailers', 'gzip'),
      upgrade: fc.constantFrom('websocket', 'h2c'),
      'proxy-authorization': fc.constant('Basic dXNlcjpwYXNz'),
      'keep-alive': fc.constant('timeout=5'),
      trailer: fc.constant('x-foo'),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>;
}

/** A hostile request to `route`: every part drawn from the route's schemas and the world's real rows. */
export function requestFor(route: FuzzRoute, world: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      path: pathFor(route, world),
      query: queryFor(route, world),
      authorization: authorizationFor(route, world),
      contentType: fc.oneof({ arbitrary: fc.constant('application/json'), weight: 10 }, { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 1 }, { arbitrary: fc.constant(undefined), weight: 1 }),
      payload: payloadFor(route, world.known),
      others: fc.oneof(
        { arbitrary: fc.constant({}), weight: 6 },
        { arbitrary: otherHeaders(), weight: 2 },
        // An identity only the gateway may assert, forged by a client.
        { arbitrary: fc.record({ 'x-user-id': fc.constantFrom('1', '0', '-1', 'abc', '1e3'), 'x-user-sig': fc.oneof(fc.constantFrom('', 'x', '1.1'), headerText(20)) }), weight: 1 },
      ),
    })
    .map(({ path, query, authorization, contentType, payload, others }) => {
      const headers: Record<string, string> = { ...others };
      if (authorization !== undefined) headers['authorization'] = authorization;
      if (payload !== undefined && contentType !== undefined) headers['content-type'] = contentType;
      return { method: route.method, url: path + query, headers, ...(payload !== undefined ? { payload } : {}) };
    });
}
