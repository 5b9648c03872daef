import type { ServiceModule } from '../platform/runtime/service-module.js';
import { identityService } from './identity/index.js';
import { socialService } from './social/index.js';
import { linksService } from './links/index.js';
import { catalogService } from './catalog/index.js';
import { notificationsService } from './notifications/index.js';
import { ordersService } from './orders/index.js';

/**
 * Every service of the system, callees before callers (social calls
 * identity). The composition root: the only file that sees them all.
 */
export const allServices: ServiceModule[] = [identityService, socialService, catalogService, ordersService, linksService, notificationsService];
