import { busMigrations } from '../bus/migrations.js';
import type { ServiceMigrations } from '../db/migrations.js';
import type { ServiceModule } from './service-module.js';

/** Everything a process running `services` needs in its database: the platform's own tables first, then each service's. */
export function migrationsFor(services: readonly ServiceModule[]): ServiceMigrations[] {
  return [busMigrations, ...services.map((s) => s.migrations)];
}
