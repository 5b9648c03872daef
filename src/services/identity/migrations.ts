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
    {
      version: 3,
      name: 'canonical usernames and emails (NFKC, lowercase)',
      statements: [
        // New writes store foldIdentifier() (src/platform/text/identifiers.ts); rows from before are brought to the
        // same form here. When several rows fold to one name, the row that case-insensitively already is that name
        // wins (else the oldest); the others keep their old spelling rather than fail the migration (they still sign
        // in by email, and can rename). See docs/adr/0016-identifier-normalization.md.
        `update identity.users u set username = lower(normalize(u.username, NFKC))
          where u.username <> lower(normalize(u.username, NFKC))
            and not exists (select 1 from identity.users o where o.id <> u.id
              and lower(normalize(o.username, NFKC)) = lower(normalize(u.username, NFKC))
              and (lower(o.username) = lower(normalize(u.username, NFKC))
                or (lower(u.username) <> lower(normalize(u.username, NFKC)) and o.id < u.id)))`,
        `update identity.users u set email = lower(normalize(u.email, NFKC))
          where u.email <> lower(normalize(u.email, NFKC))
            and not exists (select 1 from identity.users o where o.id <> u.id
              and lower(normalize(o.email, NFKC)) = lower(normalize(u.email, NFKC))
              and (lower(o.email) = lower(normalize(u.email, NFKC))
                or (lower(u.email) <> lower(normalize(u.email, NFKC)) and o.id < u.id)))`,
      ],
    },
    {
      version: 4,
      name: 'roles',
      statements: [
        // Every user is a customer; `admin` is only ever added by the operator (scalestack users grant-admin).
        `alter table identity.users add column roles text[] not null default '{customer}'`,
      ],
    },
  ],
};
