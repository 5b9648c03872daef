import type { ServiceMigrations } from '../../platform/db/migrations.js';

export const identityMigrations: ServiceMigrations = {
  service: 'identity',
  schema: 'identity',
  migrations: [
    {
      version: 1,
      name: 'users',
      statements: [
        `create table identity.users (
          id bigint generated always as identity primary key,
          email text not null,
          username text not null,
          password_hash text not null,
          bio text,
          image text,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now()
        )`,
        // Case-insensitive uniqueness: "Jake" and "jake" are the same person to a reader.
        `create unique index users_email_key on identity.users (lower(email))`,
        `create unique index users_username_key on identity.users (lower(username))`,
        `create index users_username_exact on identity.users (username)`,
      ],
    },
    {
      version: 2,
      name: 'token versions',
      statements: [
        // Tokens carry the version they were signed at; a password change bumps it, revoking the older ones.
        `alter table identity.users add column token_version integer not null default 0`,
      ],
    },
  ],
};
