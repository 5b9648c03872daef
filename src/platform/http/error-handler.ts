import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { errors } from '../errors/catalog.js';
import { validationError } from './validation.js';
import { isDatabaseRefusal } from '../db/unavailable.js';

/**
 * Every failure leaves as JSON from the error catalog. Known client errors
 * keep their 4xx; anything else is logged with its stack and answered with
 * a bare 500 (the stack never leaves the server).
 */
export function toAppError(error: FastifyError | Error, bodyLimit: number): AppError {
  if (error instanceof AppError) return error;
  const fe = error as FastifyError;
  if (fe.validation) return validationError(fe.validation as Parameters<typeof validationError>[0]);
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.bodyTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.malformedBody('is not valid JSON');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType('of this request');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.malformedBody('has a wrong Content-Length');
  }
  if (error instanceof SyntaxError && (fe.statusCode === 400 || /JSON/.test(error.message))) {
    return errors.malformedBody('is not valid JSON');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return errorForStatus(fe.statusCode);
  }
  if (isDatabaseRefusal(error)) return errors.unavailable('database');
  return errors.internal();
}

function errorForStatus(status: number): AppError {
  return errors.badRequest('is invalid', status);
}

export function makeErrorHandler(bodyLimit: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const appError = toAppError(error, bodyLimit);
    if (appError.status >= 500 && appError.code === 'SS_INTERNAL') {
      request.log.error({ err: error }, 'unhandled error');
    } else if (!(error instanceof AppError) && appError.status >= 500) {
      request.log.warn({ err: error, code: appError.code }, 'dependency refused the request');
    }
    return sendError(reply, appError);
  };
}

/** The one way an error leaves: its status, its stable code in `x-error-code`, its field-keyed body. */
export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.status).header('x-error-code', error.code).send(error.toBody());
}
