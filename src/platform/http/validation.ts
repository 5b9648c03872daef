import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { errors } from '../errors/catalog.js';
import type { AppError } from '../errors/app-error.js';

/**
 * Bodies are validated strictly (a number is not a string), while path and
 * query values, which are always text on the wire, are coerced. Fastify's
 * default coerces bodies too, which would let `{"email": 123}` through.
 */
// verbose: errors carry their schema, so a pattern can say what it means (its `description`); only failures pay for it.
const common: Options = { allErrors: true, useDefaults: true, strict: false, verbose: true };
const strictAjv = new Ajv({ ...common, coerceTypes: false });
const coercingAjv = new Ajv({ ...common, coerceTypes: true });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  compiledOnFirstUse(() => {
    if (httpPart === 'body') return strictAjv.compile(schema);
    const validate = coercingAjv.compile(schema);
    const integers = integerFields(schema);
    return integers.length === 0 ? validate : strictDecimalIntegers(integers, validate);
  });

/**
 * Compiles a route's validator when the route is first called, not when the app starts: Ajv compiling
 * every route's schemas was ~0.2–0.4 s of an embedded start (docs/perf/results.md#start-time), and most
 * processes of a multi-process topology never call most of their routes. The first call of each
 * route pays its compile once (a few milliseconds). The schemas are constants checked by the tests.
 */
function compiledOnFirstUse(compile: () => ValidateFunction): ValidateFunction {
  let validate: ValidateFunction | undefined;
  const lazy = ((data: unknown) => {
    validate ??= compile();
    const valid = validate(data);
    lazy.errors = validate.errors ?? null;
    return valid;
  }) as ValidateFunction;
  return lazy;
}

/**
 * An integer in a path or query is written in plain decimal: digits, an
 * optional leading minus (so `-1` is a range error, not a type error), no
 * leading zero. Ajv's coercion would take anything `Number()` takes (`0x10`,
 * `1e3`, ` 10`, `+5`, `10.0`, `-0`, `0b1`): each would be a second spelling of
 * the same page or id, and `0x1` has deleted comment 1.
 */
const DECIMAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;

function integerFields(schema: object): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.keys(properties).filter((name) => properties[name]?.type === 'integer');
}

function strictDecimalIntegers(fields: string[], validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown) => {
    const values = (data ?? {}) as Record<string, unknown>;
    const bad = fields.filter((name) => typeof values[name] === 'string' && !DECIMAL_INTEGER.test(values[name]));
    if (bad.length > 0) {
      check.errors = bad.map((name) => ({ keyword: 'type', instancePath: `/${name}`, schemaPath: '', params: { type: 'integer' } }));
      return false;
    }
    const valid = validate(data);
    check.errors = validate.errors ?? null;
    return valid;
  }) as ValidateFunction;
  return check;
}

/** Turns schema errors into RealWorld's field-keyed 422 body. */
export function validationError(details: ErrorObject[]): AppError {
  const fields: Record<string, string[]> = {};
  for (const detail of details) {
    const [field, message] = describe(detail);
    const messages = (fields[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  // A nullable field (`string | null`) that fails says why the string failed, not also that it is not null.
  for (const [field, messages] of Object.entries(fields)) {
    const specific = messages.filter((m) => !UNION_NOISE.has(m));
    if (specific.length > 0) fields[field] = specific;
  }
  return errors.validation(fields);
}

const UNION_NOISE = new Set(['must be null', 'must match a schema in anyOf']);

function describe(detail: ErrorObject): [string, string] {
  const segments = detail.instancePath.split('/').filter(Boolean);
  const last = segments.at(-1) ?? 'body';
  switch (detail.keyword) {
    case 'required':
      return [String(detail.params['missingProperty']), "can't be blank"];
    case 'type':
      return [fieldName(segments, last), `must be ${String(detail.params['type']).replace(',', ' or ')}`];
    case 'maxLength':
      return [fieldName(segments, last), `is too long (maximum is ${String(detail.params['limit'])} characters)`];
    case 'minLength':
      return [fieldName(segments, last), `is too short (minimum is ${String(detail.params['limit'])} characters)`];
    case 'pattern':
      return [fieldName(segments, last), (detail.parentSchema as { description?: string } | undefined)?.description ?? 'is invalid'];
    case 'minProperties':
      return [fieldName(segments, last), "can't be blank"];
    case 'maxItems':
      return [fieldName(segments, last), `has too many items (maximum is ${String(detail.params['limit'])})`];
    default:
      return [fieldName(segments, last), detail.message ?? 'is invalid'];
  }
}

/** `/article/tagList/3` → `tagList`: errors are keyed by the field, not the array slot. */
function fieldName(segments: string[], last: string): string {
  return /^\d+$/.test(last) && segments.length > 1 ? (segments.at(-2) ?? last) : last;
}
