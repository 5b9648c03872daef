import { Ajv, type ErrorObject, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import { errors } from '../errors/catalog.js';
import type { AppError } from '../errors/app-error.js';

/**
 * Bodies are validated strictly (a number is not a string), while path and
 * query values, which are always text on the wire, are coerced. Fastify's
 * default coerces bodies too, which would let `{"email": 123}` through.
 */
const common: Options = { allErrors: true, useDefaults: true, strict: false };
const strictAjv = new Ajv({ ...common, coerceTypes: false });
const coercingAjv = new Ajv({ ...common, coerceTypes: true });

export const validatorCompiler: FastifySchemaCompiler<object> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema);

/** Turns schema errors into RealWorld's field-keyed 422 body. */
export function validationError(details: ErrorObject[]): AppError {
  const fields: Record<string, string[]> = {};
  for (const detail of details) {
    const [field, message] = describe(detail);
    const messages = (fields[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  return errors.validation(fields);
}

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
