import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Database } from '../db/database.js';
import type { ShardKey, ShardMap } from './shard-map.js';
import type { DirectoryTables } from './directory-table.js';
import { keyText } from './key-text.js';

/** A table whose rows follow their key when it moves: what a service declares for `scalestack shard move`. */
export interface MovableTable {
  /** `schema.table` */
  table: string;
  /** The column holding the shard key (compared with the key's text, which Postgres reads as the column's type). */
  keyColumn: string;
  /** Columns of the primary key: copies are upserts on it, and the copy pages by it. */
  primaryKey: string[];
}

/** A service's directory map (its name, as given to openShards) and the tables that move with a key. */
export interface ShardMapDeclaration {
  name: string;
  tables: MovableTable[];
}

export interface MoveReport {
  key: string;
  from: number;
  to: number;
  /** Rows copied per table (upserts; rows mirrored by writers meanwhile are not counted). */
  copied: Record<string, number>;
  /** Rows per table on the source and the destination when the cut-over was decided. */
  verified: Record<string, { source: number; target: number }>;
  /** Rows deleted from the old shard after the cut-over. */
  deleted: number;
  ms: number;
  /** false when the key was already on `to`. */
  moved: boolean;
}

export class MoveVerifyError extends Error {
  override name = 'MoveVerifyError';
}

const IDENT = /^[a-z_][a-z0-9_]*$/i;
const DEADLOCK = '40P01';

export interface MoveOptions {
  map: ShardMap;
  /** The Database holding the directory (the service's own, given to openShards as `home`). */
  home: Database;
  key: ShardKey;
  to: number;
  tables: readonly MovableTable[];
  batchSize?: number;
  /** Progress lines; a returned promise is awaited (a caller can pause the move between steps). */
  log?: (line: string) => void | Promise<void>;
}

/**
 * Moves one key of a directory map to another shard while the service keeps
 * writing it (docs/patterns/sharding.md, "Moves"):
 *   1. dual-write: the entry gets moving_to, taken FOR UPDATE, so it waits for
 *      writes in flight; every later write of the key is mirrored on `to`.
 *   2. copy: the key's rows are read from the owner FOR SHARE, page by page, and
 *      upserted on `to`; a writer holds its owner row locks until its mirror
 *      commits, so each row reaches `to` in its latest version, once.
 *   3. verify and cut over: with the entry locked again (writes of the key
 *      wait), the row count and a checksum of every row must match on both
 *      shards; then the entry points at `to`. On a mismatch the move is undone
 *      (the copies deleted) and MoveVerifyError thrown; nothing was lost.
 *   4. clean up: the old shard's rows are deleted (recorded as stale_on first,
 *      so a move run again after a crash finishes that).
 * Running it again after a crash resumes: copies are upserts.
 */
export async function moveKey(options: MoveOptions): Promise<MoveReport> {
  const { map, home, to, tables } = options;
  const key = keyText(options.key);
  const batchSize = options.batchSize ?? 500;
  const log = options.log ?? (() => {});
  const started = Date.now();
  if (map.strategy !== 'directory') throw new Error(`shard map ${map.name} uses ${map.strategy}; only a directory map moves keys (set ${map.name.toUpperCase()}_SHARD_STRATEGY=directory)`);
  if (!Number.isInteger(to) || to < 0 || to >= map.shards.length) throw new RangeError(`no shard ${to} in ${map.name} (0..${map.shards.length - 1})`);
  if (tables.length === 0) throw new Error('a move needs the tables whose rows follow the key');
  for (const t of tables) assertTable(t);
  const dir = home.as<DirectoryTables>();
  const entryOf = (trx: Transaction<DirectoryTables>) =>
    trx.selectFrom('platform.shard_directory').selectAll().where('map', '=', map.name).where('key', '=', key).forUpdate().executeTakeFirstOrThrow();

  await finishCleanup(options, key, log);

  // 1. dual-write
  const from = await dir.transaction().execute(async (trx) => {
    await trx
      .insertInto('platform.shard_directory')
      .values({ map: map.name, key, shard: await map.indexFor(key), moving_to: null, stale_on: null })
      .onConflict((oc) => oc.columns(['map', 'key']).doNothing())
      .execute();
    const entry = await entryOf(trx);
    if (entry.moving_to !== null && entry.moving_to !== to) throw new Error(`key ${key} of ${map.name} is being moved to shard ${entry.moving_to}; finish or abort that move first`);
    if (entry.shard !== to) await trx.updateTable('platform.shard_directory').set({ moving_to: to }).where('map', '=', map.name).where('key', '=', key).execute();
    return entry.shard;
  });
  const report: MoveReport = { key, from, to, copied: {}, verified: {}, deleted: 0, ms: 0, moved: from !== to };
  if (from === to) {
    report.ms = Date.now() - started;
    return report;
  }
  const source = map.shards[from]!.db.as<unknown>() as Kysely<unknown>;
  const target = map.shards[to]!.db.as<unknown>() as Kysely<unknown>;
  await log(`moving ${map.name} key ${key}: shard ${from} → ${to} (writes now mirrored)`);

  // 2. copy
  for (const table of tables) {
    report.copied[table.table] = await copyTable(source, target, table, key, batchSize);
    await log(`  copied ${report.copied[table.table]} row(s) of ${table.table}`);
  }

  // 3. verify and cut over, with the key's writes waiting on the entry's lock.
  const problem = await dir.transaction().execute(async (trx) => {
    const entry = await entryOf(trx);
    if (entry.moving_to !== to) throw new Error(`the move of ${key} was aborted by someone else (moving_to is now ${entry.moving_to})`);
    const mismatches: string[] = [];
    for (const table of tables) {
      const [s, t] = await Promise.all([fingerprint(source, table, key), fingerprint(target, table, key)]);
      report.verified[table.table] = { source: s.rows, target: t.rows };
      if (s.rows !== t.rows || s.sum !== t.sum) mismatches.push(`${table.table}: source ${s.rows} row(s), destination ${t.rows}${s.rows === t.rows ? ' (contents differ)' : ''}`);
    }
    const set = mismatches.length === 0 ? { shard: to, moving_to: null, stale_on: from } : { moving_to: null };
    await trx.updateTable('platform.shard_directory').set(set).where('map', '=', map.name).where('key', '=', key).execute();
    return mismatches;
  });
  if (problem.length > 0) {
    // Undone: the key stays on `from`; its copies on `to` go (no writer mirrors there any more).
    for (const table of tables) await deleteKeyRows(target, table, key, batchSize);
    throw new MoveVerifyError(`move of ${map.name} key ${key} to shard ${to} aborted, key stays on shard ${from}: ${problem.join('; ')}`);
  }
  await log(`  verified ${JSON.stringify(report.verified)}; cut over to shard ${to}`);

  // 4. clean up
  report.deleted = await finishCleanup(options, key, log);
  report.ms = Date.now() - started;
  return report;
}

/** Deletes the rows a cut-over left on the old shard (stale_on), then clears the mark. Returns rows deleted. */
async function finishCleanup(options: MoveOptions, key: string, log: (line: string) => void | Promise<void>): Promise<number> {
  const { map, home, tables } = options;
  const dir = home.as<DirectoryTables>();
  const entry = await dir.selectFrom('platform.shard_directory').selectAll().where('map', '=', map.name).where('key', '=', key).executeTakeFirst();
  if (!entry || entry.stale_on === null) return 0;
  const stale = map.shards[entry.stale_on];
  if (!stale) throw new Error(`key ${key} has rows left on shard ${entry.stale_on}, which is not in ${map.name} any more`);
  let deleted = 0;
  for (const table of tables) deleted += await deleteKeyRows(stale.db.as<unknown>() as Kysely<unknown>, table, key, options.batchSize ?? 500);
  await dir.updateTable('platform.shard_directory').set({ stale_on: null }).where('map', '=', map.name).where('key', '=', key).execute();
  await log(`  deleted ${deleted} row(s) left on shard ${entry.stale_on}`);
  return deleted;
}

function assertTable(t: MovableTable): void {
  const parts = t.table.split('.');
  if (parts.length > 2 || !parts.every((p) => IDENT.test(p)) || !IDENT.test(t.keyColumn) || t.primaryKey.length === 0 || !t.primaryKey.every((c) => IDENT.test(c))) {
    throw new Error(`not a movable table: ${JSON.stringify(t)}`);
  }
}

const ids = (columns: readonly string[]) => sql.join(columns.map((c) => sql.ref(c)));

/** Upserts the key's rows page by page; each page read FOR SHARE on the source and kept locked until written. Returns rows copied. */
async function copyTable(source: Kysely<unknown>, target: Kysely<unknown>, table: MovableTable, key: string, batchSize: number): Promise<number> {
  const columns = await columnsOf(target, table.table);
  const updates = sql.join(columns.filter((c) => !table.primaryKey.includes(c)).map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`));
  const onConflict = columns.length > table.primaryKey.length ? sql`do update set ${updates}` : sql`do nothing`;
  let after: unknown[] | undefined;
  let copied = 0;
  for (;;) {
    const page = await retryOnDeadlock(() =>
      source.transaction().execute(async (trx) => {
        const cursor: RawBuilder<unknown> = after ? sql`and (${ids(table.primaryKey)}) > (${sql.join(after)})` : sql``;
        const { rows } = await sql<{ pk: unknown[]; row: unknown }>`
          select json_build_array(${ids(table.primaryKey)}) as pk, to_jsonb(t) as row
          from ${sql.table(table.table)} as t
          where ${sql.ref(table.keyColumn)} = ${key} ${cursor}
          order by ${ids(table.primaryKey)} limit ${batchSize} for share`.execute(trx);
        if (rows.length > 0) {
          // Through JSON, every column type round-trips by its own text form (numeric, int8, jsonb, bytea...).
          await sql`insert into ${sql.table(table.table)}
            select * from jsonb_populate_recordset(null::${sql.table(table.table)}, ${JSON.stringify(rows.map((r) => r.row))}::jsonb)
            on conflict (${ids(table.primaryKey)}) ${onConflict}`.execute(target);
        }
        return rows;
      }),
    );
    copied += page.length;
    if (page.length < batchSize) return copied;
    after = page[page.length - 1]!.pk;
  }
}

async function columnsOf(db: Kysely<unknown>, table: string): Promise<string[]> {
  const { rows } = await sql<{ attname: string }>`
    select attname from pg_attribute
    where attrelid = ${table}::regclass and attnum > 0 and not attisdropped order by attnum`.execute(db);
  return rows.map((r) => r.attname);
}

/** Row count and an order-independent-of-storage checksum (every row's JSON, ordered by primary key), in UTC. */
async function fingerprint(db: Kysely<unknown>, table: MovableTable, key: string): Promise<{ rows: number; sum: string | null }> {
  return db.transaction().execute(async (trx) => {
    await sql`set local timezone to 'UTC'`.execute(trx);
    const { rows } = await sql<{ rows: number; sum: string | null }>`
      select count(*)::int as rows, md5(string_agg(to_jsonb(t)::text, '|' order by ${ids(table.primaryKey)})) as sum
      from ${sql.table(table.table)} as t where ${sql.ref(table.keyColumn)} = ${key}`.execute(trx);
    return rows[0]!;
  });
}

async function deleteKeyRows(db: Kysely<unknown>, table: MovableTable, key: string, batchSize: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    // In pages, so a big tenant's delete never holds one long transaction.
    const result = await sql`
      delete from ${sql.table(table.table)} where ctid in (
        select ctid from ${sql.table(table.table)} where ${sql.ref(table.keyColumn)} = ${key} limit ${batchSize})`.execute(db);
    const n = Number(result.numAffectedRows ?? 0n);
    deleted += n;
    if (n < batchSize) return deleted;
  }
}

async function retryOnDeadlock<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      // Postgres broke a deadlock with a writer touching several of the key's rows: the page is simply read again.
      if ((err as { code?: string }).code !== DEADLOCK || attempt >= 5) throw err;
    }
  }
}
