import { fileURLToPath } from 'node:url';

/** The catalog's contract over gRPC (ADR 0038): the .proto beside the TypeScript contract, and its service's full name. */
export const CATALOG_PROTO = fileURLToPath(new URL('../../contracts/catalog.proto', import.meta.url));
export const CATALOG_GRPC_SERVICE = 'scalestack.catalog.v1.Catalog';
