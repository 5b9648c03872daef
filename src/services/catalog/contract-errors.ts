import { AppError, errors } from '../../platform/errors/catalog.js';

/** The errors the catalog's contract names; any other answer is the transport's (or a bug's), never the caller's to act on. */
const CONTRACT_ERRORS: Record<string, string[]> = { SS_OUT_OF_STOCK: ['stock'], SS_NOT_FOUND: ['product', 'reservation'], SS_VALIDATION: [] };

/**
 * The catalog's own AppError, rebuilt by a remote client (HTTP or gRPC), when it is one the contract names.
 * Anything else is the catalog being unreachable for this caller: a refused signature is a 404 of the route
 * (internal routes hide themselves) or UNAUTHENTICATED, which must never read as "no such product" (the order
 * saga would cancel the order for it).
 */
export function contractError(status: number, code: string | string[] | undefined, fields: Record<string, string[]> | undefined): AppError {
  const subjects = typeof code === 'string' ? CONTRACT_ERRORS[code] : undefined;
  if (subjects && fields && (subjects.length === 0 || subjects.some((s) => s in fields))) return new AppError(code as string, status, fields);
  return errors.upstreamUnavailable('catalog', status >= 500 ? 502 : 503);
}

/** How long a remote call to the catalog may take, over either transport: then SS_TIMEOUT (504). */
export const CATALOG_CALL_TIMEOUT_MS = 2000;
