/** The embedded database's settings: PGlite's shared_buffers come from PGLITE_SHARED_BUFFERS_MB (docs/perf/results.md#memory-at-start). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openDatabase } from './open-database.js';

describe('openDatabase on PGlite', () => {
  for (const [label, mb, expected] of [['default', undefined, '16MB'], ['set', 24, '24MB']] as const) {
    it(`runs with shared_buffers from the setting (${label}: ${expected})`, async () => {
      const db = await openDatabase({ dataDir: 'memory://', poolMax: 1, embeddedSharedBuffersMb: mb });
      try {
        const { rows } = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(db.as());
        assert.equal(rows[0]?.shared_buffers, expected);
      } finally {
        await db.close();
      }
    });
  }
});
