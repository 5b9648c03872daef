import type { ServiceMigrations } from '../../platform/db/migrations.js';

export const linksMigrations: ServiceMigrations = {
  service: 'links',
  schema: 'links',
  migrations: [
    {
      version: 1,
      name: 'links',
      statements: [
        `create table links.links (
          id bigint generated always as identity primary key,
          code text not null,
          owner_id bigint not null,
          url text not null,
          permanent boolean not null default false,
          expires_at timestamptz,
          disabled boolean not null default false,
          clicks bigint not null default 0,
          created_at timestamptz not null default now()
        )`,
        // The redirect's one read on a cache miss: an index lookup by code. Codes are case-sensitive.
        `create unique index links_code_key on links.links (code)`,
        `create index links_owner on links.links (owner_id, id)`,
      ],
    },
  ],
};
