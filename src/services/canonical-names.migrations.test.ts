import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../testing/db-targets.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { identityMigrations } from './identity/migrations.js';
import { socialMigrations } from './social/migrations.js';
import type { ServiceMigrations } from '../platform/db/migrations.js';

const upTo = (m: ServiceMigrations, version: number): ServiceMigrations => ({ ...m, migrations: m.migrations.filter((x) => x.version <= version) });

for (const target of await dbTargets()) {
  describe(`canonical names for rows written before normalization [${target.name}]`, target.options, () => {
    it('migrations bring usernames, emails and tags to NFKC lowercase; a collision keeps its old spelling instead of failing', async () => {
      const url = await target.create();
      const db = await openDatabase({ url, dataDir: 'memory://', poolMax: 2 });
      try {
        await runMigrations(db, [upTo(identityMigrations, 2), upTo(socialMigrations, 4)]);
        const q = db.as<object>();
        await sql`insert into identity.users (username, email, password_hash) values
          ('Jose\u0301', 'Jose@X.io', 'h'), ('ａｌｉｃｅ', 'ALICE@x.io', 'h'), ('Alice', 'alice2@x.io', 'h'), ('bob', 'ｂｏｂ@x.io', 'h')`.execute(q);
        await sql`insert into social.articles (slug, title, description, body, author_id, tag_list) values ('s', 't', 'd', 'b', 1, '{React,react,ＶＵＥ}')`.execute(q);
        await sql`insert into social.article_tags (article_id, tag) select id, unnest(tag_list) from social.articles`.execute(q);

        await runMigrations(db, [identityMigrations, socialMigrations]);

        const users = (await sql<{ username: string; email: string }>`select username, email from identity.users order by id`.execute(q)).rows;
        assert.deepEqual(users, [
          { username: 'jos\u00e9', email: 'jose@x.io' },
          // Folds to "alice", which "Alice" already is case-insensitively: kept as it was (it signs in by email).
          { username: 'ａｌｉｃｅ', email: 'alice@x.io' },
          { username: 'alice', email: 'alice2@x.io' },
          { username: 'bob', email: 'bob@x.io' },
        ]);
        const article = (await sql<{ tag_list: string[] }>`select tag_list from social.articles`.execute(q)).rows[0]!;
        assert.deepEqual(article.tag_list, ['react', 'vue']);
        const tags = (await sql<{ tag: string }>`select tag from social.article_tags order by tag`.execute(q)).rows.map((r) => r.tag);
        assert.deepEqual(tags, ['react', 'vue']);
      } finally {
        await db.close();
        await target.drop(url);
      }
    });
  });
}
