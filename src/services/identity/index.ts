import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { UsersStore } from './data/users.store.js';
import { createPasswordHasher } from './domain/passwords.js';
import { UsersDomain } from './domain/users.js';
import { createIdentityClient } from './identity-client.js';
import { identityMigrations } from './migrations.js';
import { usersRoutes } from './routes/users.routes.js';

/** identity: users, credentials and tokens. Owns the `identity` schema. */
export const identityService: ServiceModule = {
  name: 'identity',
  migrations: identityMigrations,
  create: ({ config, db, tokens }) => {
    const store = new UsersStore(db);
    const passwords = createPasswordHasher(config.ARGON2_MEMORY_KIB, config.ARGON2_TIME_COST);
    const users = new UsersDomain(store, passwords, tokens);
    return { routes: usersRoutes(users), client: createIdentityClient(store) };
  },
};
