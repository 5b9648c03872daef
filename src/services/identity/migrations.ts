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
    {
      version: 5,
      name: 'refresh tokens',
      statements: [
        // Only the SHA-256 of a refresh token is stored (hex). A family is one sign-in's chain of rotations: reusing
        // a rotated token revokes the whole family (RFC 9700 §4.14). token_version binds the row to the user's token
        // version at issue, so a password change (which bumps it) ends every older family even mid-rotation.
        // See docs/patterns/refresh-tokens.md.
        `create table identity.refresh_tokens (
          id bigint generated always as identity primary key,
          user_id bigint not null references identity.users (id) on delete cascade,
          family_id uuid not null,
          token_hash text not null,
          token_version integer not null,
          created_at timestamptz not null default now(),
          expires_at timestamptz not null,
          used_at timestamptz,
          replaced_by bigint,
          revoked_at timestamptz
        )`,
        `create unique index refresh_tokens_hash_key on identity.refresh_tokens (token_hash)`,
        `create index refresh_tokens_family on identity.refresh_tokens (family_id)`,
        `create index refresh_tokens_user on identity.refresh_tokens (user_id)`,
        `create index refresh_tokens_expires on identity.refresh_tokens (expires_at)`,
      ],
    },
  ],
};
