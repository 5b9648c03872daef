import fc from 'fast-check';
import { nastyFragment, textFor } from './nasty-text.js';

/**
 * The part of JSON Schema TypeBox emits for request shapes (objects,
 * strings, integers, numbers, booleans, null, arrays, unions). Anything
 * else is fuzzed as "any JSON".
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minProperties?: number;
  items?: JsonSchema;
  maxItems?: number;
  minItems?: number;
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
}

/** Real values by field name (an existing user's email, a real slug), so some requests hit real rows. */
export type KnownValues = Record<string, string[]>;

/** Where in the request a value sits: its field name, its nesting depth, and the values the system already holds. */
interface Place {
  name?: string | undefined;
  depth?: number;
  known?: KnownValues;
}

/** Object keys that have broken JSON handling before. */
const ODD_KEYS = ['__proto__', 'constructor', 'prototype', '', ' ', 'toString', '\u200b', '😀', '$where', 'a.b'];

const anyJson = () => fc.jsonValue({ maxDepth: 2 });

/** A value of the wrong JSON type for `schema` (a string where a number goes, an object for a string...). */
function wrongType(schema: JsonSchema): fc.Arbitrary<unknown> {
  const type = [schema.type ?? 'object'].flat();
  const candidates: fc.Arbitrary<unknown>[] = [];
  if (!type.includes('null')) candidates.push(fc.constant(null));
  if (!type.includes('string')) candidates.push(fc.string({ maxLength: 10 }), fc.constantFrom('1', 'true', 'null', ''));
  if (!type.includes('integer') && !type.includes('number')) candidates.push(fc.integer(), fc.double());
  if (!type.includes('boolean')) candidates.push(fc.boolean());
  if (!type.includes('array')) candidates.push(fc.array(anyJson(), { maxLength: 3 }));
  if (!type.includes('object')) candidates.push(fc.dictionary(fc.string({ maxLength: 5 }), anyJson(), { maxKeys: 3 }));
  return fc.oneof(...candidates);
}

/** Numbers at and around the bounds, the edges of integer precision, fractions and non-finite values. */
function numberFor(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -(2 ** 53);
  const max = schema.maximum ?? 2 ** 53;
  const edges = [min, max, min - 1, max + 1, 0, -1, 1, 2 ** 31, 2 ** 31 - 1, 2 ** 63, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -0, 0.5, 1.5, 1e308];
  return fc.oneof(
    { arbitrary: integer ? fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31) }) : fc.double({ min, max, noNaN: true }), weight: 3 },
    { arbitrary: fc.constantFrom(...edges), weight: 3 },
    { arbitrary: fc.double(), weight: 1 }, // NaN and ±Infinity become null in JSON
  );
}

const word = () => fc.stringMatching(/^[a-z][a-z0-9]{3,12}$/);

/**
 * Text the domain's own rules accept, guessed from the field's name (the
 * schema says "string", the domain says "an email"), so requests get past
 * validation into the domain and the database; sometimes with one nasty
 * fragment slipped in (`alice\u200b`, `аlice@example.com`).
 */
function plausibleText(name: string | undefined): fc.Arbitrary<string> {
  let plain: fc.Arbitrary<string>;
  if (name && /email/i.test(name)) plain = word().map((w) => `${w}@example.com`);
  else if (name && /password/i.test(name)) plain = fc.stringMatching(/^[A-Za-z0-9!]{8,20}$/);
  else if (name && /image|url/i.test(name))
    plain = fc.oneof(word().map((w) => `https://example.com/${w}.png`), fc.constantFrom('javascript:alert(1)', 'data:text/html,x', 'http://127.0.0.1:5432/', 'ftp://x', '//evil.example'));
  else if (name && /user|author|favorited|tag/i.test(name)) plain = word();
  else plain = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
  return fc.oneof(
    { arbitrary: plain, weight: 3 },
    { arbitrary: fc.tuple(plain, nastyFragment(), fc.nat()).map(([text, bad, at]) => text.slice(0, at % (text.length + 1)) + bad + text.slice(at % (text.length + 1))), weight: 1 },
  );
}

/** Values that fit `schema` (with hostile content inside its bounds and at its edges). */
function fitting(schema: JsonSchema, place: Required<Pick<Place, 'depth'>> & Place): fc.Arbitrary<unknown> {
  const { name } = place;
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => fuzzValue(s, place)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = [schema.type].flat()[0];
  switch (type) {
    case 'string': {
      const real = (name && place.known?.[name]) || [];
      return fc.oneof(
        { arbitrary: plausibleText(name), weight: 3 },
        { arbitrary: textFor(schema), weight: 1 },
        ...(real.length > 0 ? [{ arbitrary: fc.constantFrom(...real), weight: 3 }] : []),
      );
    }
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items ? fuzzValue(schema.items, { ...place, depth: place.depth + 1 }) : anyJson(), {
        maxLength: (schema.maxItems ?? 5) + 2,
        minLength: 0,
      });
    case 'object':
      return objectFor(schema, place);
    default:
      return anyJson();
  }
}

/** The declared properties (required ones sometimes missing), plus sometimes odd extra keys. */
function objectFor(schema: JsonSchema, place: Required<Pick<Place, 'depth'>> & Place): fc.Arbitrary<unknown> {
  const child = (name: string) => fuzzValue(schema.properties![name]!, { ...place, name, depth: place.depth + 1 });
  const properties = schema.properties ?? {};
  const names = Object.keys(properties);
  const required = new Set(schema.required ?? []);
  const declared = fc.record(
    Object.fromEntries(names.map((name) => [name, child(name)])),
    // Any subset of the keys, required ones included: probes "can't be blank" (the complete record is drawn more often).
    { requiredKeys: [] },
  );
  const complete = fc.record(Object.fromEntries(names.map((name) => [name, child(name)])));
  const extra = fc.dictionary(fc.oneof(fc.constantFrom(...ODD_KEYS), fc.string({ maxLength: 8 })), anyJson(), { maxKeys: 2 });
  return fc
    .tuple(
      fc.oneof({ arbitrary: complete, weight: required.size > 0 ? 6 : 1 }, { arbitrary: declared, weight: 1 }),
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: extra, weight: 1 }),
    )
    .map(([base, more]) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(base as Record<string, unknown>)) out[k] = v;
      // defineProperty: `__proto__` stays an own, serialised key instead of setting the prototype.
      for (const [k, v] of Object.entries(more ?? {})) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
}

/**
 * A value for `schema` as a hostile client sends it: mostly fitting the
 * schema's shape (so requests get past validation into the domain and the
 * database), sometimes of the wrong type, sometimes null.
 */
export function fuzzValue(schema: JsonSchema, place: Place = {}): fc.Arbitrary<unknown> {
  const depth = place.depth ?? 0;
  if (depth > 6) return anyJson();
  return fc.oneof(
    { arbitrary: fitting(schema, { ...place, depth }), weight: 20 },
    { arbitrary: wrongType(schema), weight: 1 },
  );
}

/** Text forms of a path or query value of `schema` (on the wire every value is text). */
export function fuzzText(schema: JsonSchema | undefined, name?: string): fc.Arbitrary<string> {
  const type = [schema?.type].flat()[0];
  const textual = [fc.constantFrom('', ' ', '0x10', '1e2', '+1', '01', ' 1', '1 ', '1.0', '1.5', '-1', '-0', 'NaN', 'Infinity', 'true', 'null', '[]', '１', '١', '1_0')];
  if (type === 'integer' || type === 'number') {
    return fc.oneof({ arbitrary: numberFor(schema!, type === 'integer').map(String), weight: 3 }, { arbitrary: fc.oneof(...textual), weight: 2 }, { arbitrary: textFor({}), weight: 1 });
  }
  return fc.oneof({ arbitrary: textFor(schema ?? {}), weight: 4 }, { arbitrary: plausibleText(name), weight: 2 }, { arbitrary: fc.oneof(...textual), weight: 1 });
}
