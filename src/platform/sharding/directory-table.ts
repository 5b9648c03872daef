import type { ServiceMigrations } from '../db/migrations.js';

/**
 * The directory's lookup table. It lives in the service's own Database (the
 * one DATABASE_URL or embedded PGlite gives it), not on a shard: every process
 * of the service already shares that database, and it stays put when shards
 * are added or moved. One table serves every map (`map` = the map's name).
 */
export interface DirectoryTables {
  'platform.shard_directory': {
    map: string;
    key: string;
    /** The shard that owns the key: reads and writes go there. */
    shard: number;
    /** Set while a move copies the key: writes are mirrored there too. */
    moving_to: number | null;
    /** Set after a cut-over until the old shard's rows are deleted (a move resumed after a crash finishes that first). */
    stale_on: number | null;
  };
}

export const directoryMigrations: ServiceMigrations = {
  service: 'platform.sharding',
  schema: 'platform',
  migrations: [
    {
      version: 1,
      name: 'shard directory',
      statements: [
        `create table platform.shard_directory (
           map text not null,
           key text not null,
           shard integer not null,
           moving_to integer,
           stale_on integer,
           primary key (map, key))`,
      ],
    },
  ],
};
