import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ADMIN_DATABASE_URL, dbTargets } from '../../../testing/db-targets.js';
import type { ServiceMigrations } from '../../db/migrations.js';

/** node:test options for suites needing the real server: skip on a laptop without it, fail in CI. */
export const postgresOptions = (await dbTargets()).find((t) => t.name === 'postgres')!.options;

/** N fresh databases on the local Postgres (sharding_<random>_1..N), and how to drop them. */
export async function createShardDatabases(count: number): Promise<{ urls: string[]; drop(): Promise<void> }> {
  const prefix = `sharding_${randomBytes(4).toString('hex')}`;
  const names = Array.from({ length: count }, (_, i) => `${prefix}_${i + 1}`);
  const admin = async (statements: string[]) => {
    const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
    await client.connect();
    try {
      for (const s of statements) await client.query(s);
    } finally {
      await client.end();
    }
  };
  await admin(names.map((n) => `create database ${n}`));
  return {
    urls: names.map((n) => {
      const url = new URL(ADMIN_DATABASE_URL);
      url.pathname = `/${n}`;
      return url.toString();
    }),
    drop: () => admin(names.map((n) => `drop database if exists ${n} with (force)`)),
  };
}

/** The rows the suites shard: items of tenants, ids chosen by the caller (replayable writes), a counter per tenant. */
export interface ItemTables {
  'shardtest.items': { id: string; tenant: string; seq: number; created_at: Date };
  'shardtest.counters': { tenant: string; n: number };
}

export const itemMigrations: ServiceMigrations = {
  service: 'shardtest',
  schema: 'shardtest',
  migrations: [
    {
      version: 1,
      name: 'items',
      statements: [
        'create table shardtest.items (id text primary key, tenant text not null, seq integer not null, created_at timestamptz not null)',
        'create index on shardtest.items (tenant)',
        'create index on shardtest.items (created_at desc, id desc)',
        'create table shardtest.counters (tenant text primary key, n integer not null)',
      ],
    },
  ],
};
