import { join } from 'node:path';
import { CODE_DIR } from '../../platform/runtime/app-paths.js';

/** The catalog's contract over gRPC (ADR 0038): the .proto beside the TypeScript contract, and its service's full name. */
export const CATALOG_PROTO = join(CODE_DIR, 'contracts', 'catalog.proto');
export const CATALOG_GRPC_SERVICE = 'scalestack.catalog.v1.Catalog';
