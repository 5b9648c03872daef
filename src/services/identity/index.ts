import type { ServiceModule } from '../../platform/runtime/service-module.js';
import { standingAccepts } from '../../platform/auth/user-check.js';
import { USER_DELETED, USER_ROLES_CHANGED, UserDeletedEvent, UserRolesChangedEvent } from '../../contracts/identity.js';
import { ProfileCache } from './data/profile-cache.js';
import { UsersStore } from './data/users.store.js';
import { RefreshTokensStore } from './data/refresh-tokens.store.js';
import { RefreshTokens } from './domain/refresh-tokens.js';
import { startRefreshTokenRetention } from './data/refresh-token-retention.js';
import { createPasswordHasher } from './domain/passwords.js';
import { UsersDomain } from './domain/users.js';
import { createIdentityClient } from './identity-client.js';
import { identityMigrations } from './migrations.js';
import { usersRoutes } from './routes/users.routes.js';
import { internalRoutes } from './routes/internal.routes.js';

/** identity: users, credentials and tokens. Owns the `identity` schema. */
export const identityService: ServiceModule = {
  name: 'identity',
  migrations: identityMigrations,
  create: async ({ config, db, tokens, cache, outbox, bus, logger }) => {
    const store = new UsersStore(db);
    const profiles = new ProfileCache(store, cache);
    const passwords = createPasswordHasher(config.ARGON2_MEMORY_KIB, config.ARGON2_TIME_COST);
    const refreshTokens = new RefreshTokens(new RefreshTokensStore(db), tokens, config.REFRESH_TOKEN_TTL_SECONDS);
    const users = new UsersDomain(store, profiles, passwords, tokens, outbox, refreshTokens);
    const client = createIdentityClient(profiles, store);
    // A deletion made elsewhere (`scalestack users delete`, another replica) reaches this process's cache through its event.
    const forgetDeleted = await bus.subscribe<UserDeletedEvent>(
      USER_DELETED,
      'identity-forget-deleted',
      async ({ payload }) => profiles.deleted(payload.userId, payload.username),
      { schema: UserDeletedEvent },
    );
    const forgetRoles = await bus.subscribe<UserRolesChangedEvent>(
      USER_ROLES_CHANGED,
      'identity-forget-roles',
      async ({ payload }) => profiles.rolesChanged(payload.userId),
      { schema: UserRolesChangedEvent },
    );
    const retention = await startRefreshTokenRetention(bus, refreshTokens, config.BUS_RETENTION_EVERY_S * 1000, logger);
    logger.debug({ topic: USER_DELETED }, 'identity: dropping deleted users from its cache on their event');
    return {
      routes: usersRoutes(users, refreshTokens),
      client,
      internalRoutes: internalRoutes(client),
      userExists: async (userId, query) => standingAccepts(await profiles.standing(userId), query),
      close: async () => {
        await retention.stop();
        await forgetDeleted.stop();
        await forgetRoles.stop();
      },
    };
  },
  // Loaded only where identity is remote: the embedded process does not hold the HTTP client's pools (undici).
  remoteClient: async (endpoints) => (await import('./http-identity-client.js')).createHttpIdentityClient(endpoints),
};
