import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { ProfileCache } from './data/profile-cache.js';
import { UsersStore } from './data/users.store.js';
import { createPasswordHasher } from './domain/passwords.js';
import { UsersDomain } from './domain/users.js';
import { createIdentityClient } from './identity-client.js';
import { identityMigrations } from './migrations.js';
import { usersRoutes } from './routes/users.routes.js';
import { internalRoutes } from './routes/internal.routes.js';
import { createHttpIdentityClient } from './http-identity-client.js';

/** identity: users, credentials and tokens. Owns the `identity` schema. */
export const identityService: ServiceModule = {
  name: 'identity',
  migrations: identityMigrations,
  create: ({ config, db, tokens, cache }) => {
    const store = new UsersStore(db);
    const profiles = new ProfileCache(store, cache);
    const passwords = createPasswordHasher(config.ARGON2_MEMORY_KIB, config.ARGON2_TIME_COST);
    const users = new UsersDomain(store, profiles, passwords, tokens);
    const client = createIdentityClient(profiles);
    return {
      routes: usersRoutes(users),
      client,
      internalRoutes: internalRoutes(client),
      userExists: async (userId) => (await profiles.byIds([userId])).has(userId),
    };
  },
  remoteClient: createHttpIdentityClient,
};
