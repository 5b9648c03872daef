import { sql, type Generated, type Kysely } from 'kysely';
import type { Database } from '../../../platform/db/database.js';

interface LinkRow {
  id: Generated<number>;
  code: string;
  owner_id: number;
  url: string;
  permanent: Generated<boolean>;
  expires_at: Date | null;
  disabled: Generated<boolean>;
  clicks: Generated<number>;
  created_at: Generated<Date>;
}

export interface LinksTables {
  'links.links': LinkRow;
}

/** A link as the redirect needs it: JSON-safe (ISO times), so it can be cached in Redis. */
export interface LinkRecord {
  id: number;
  code: string;
  ownerId: number;
  url: string;
  permanent: boolean;
  expiresAt: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface NewLink {
  code: string;
  ownerId: number;
  url: string;
  permanent: boolean;
  expiresAt: Date | null;
}

const COLUMNS = ['id', 'code', 'owner_id', 'url', 'permanent', 'expires_at', 'disabled', 'created_at'] as const;

/** The only SQL of links.links. */
export class LinksStore {
  readonly db: Kysely<LinksTables>;

  constructor(database: Database) {
    this.db = database.as<LinksTables>();
  }

  /** The new record, or null when the code is taken (unique index): the caller picks another code. */
  async insert(link: NewLink): Promise<LinkRecord | null> {
    const row = await this.db
      .insertInto('links.links')
      .values({ code: link.code, owner_id: link.ownerId, url: link.url, permanent: link.permanent, expires_at: link.expiresAt })
      .onConflict((oc) => oc.column('code').doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** One indexed read (links_code_key). */
  async byCode(code: string): Promise<LinkRecord | null> {
    const row = await this.db.selectFrom('links.links').select(COLUMNS).where('code', '=', code).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async clicks(id: number): Promise<number> {
    const row = await this.db.selectFrom('links.links').select('clicks').where('id', '=', id).executeTakeFirst();
    return Number(row?.clicks ?? 0);
  }

  async setDisabled(id: number, disabled: boolean): Promise<LinkRecord | null> {
    const row = await this.db.updateTable('links.links').set({ disabled }).where('id', '=', id).returning(COLUMNS).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('links.links').where('id', '=', id).execute();
  }

  /** Write-behind flush: every summed increment in one statement. */
  async addClicks(increments: ReadonlyMap<number, number>): Promise<void> {
    if (increments.size === 0) return;
    await sql`update links.links as l set clicks = l.clicks + v.n
      from unnest(${[...increments.keys()]}::bigint[], ${[...increments.values()]}::bigint[]) as v(id, n)
      where l.id = v.id`.execute(this.db);
  }
}

function toRecord(row: { id: number; code: string; owner_id: number; url: string; permanent: boolean; expires_at: Date | null; disabled: boolean; created_at: Date }): LinkRecord {
  return {
    id: Number(row.id),
    code: row.code,
    ownerId: Number(row.owner_id),
    url: row.url,
    permanent: row.permanent,
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    disabled: row.disabled,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
