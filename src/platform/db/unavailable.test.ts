import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ADMIN_DATABASE_URL } from '../../testing/db-targets.js';
import { skipUnlessAvailable } from '../../testing/services-required.js';
import { freePort } from '../../testing/cli-process.js';
import { toAppError } from '../http/error-handler.js';
import { isDatabaseRefusal } from './unavailable.js';

async function postgresDown(): Promise<string | null> {
  const c = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    return null;
  } catch (err) {
    return `Postgres unreachable: ${(err as Error).message}`;
  } finally {
    await c.end().catch(() => {});
  }
}

/** What connecting (and querying) as `url` throws. */
async function failureOf(url: string, sql = 'select 1'): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query(sql);
  } catch (err) {
    return err;
  } finally {
    await client.end().catch(() => {});
  }
  throw new Error(`${sql} as ${url} did not fail`);
}

describe('the database refusing a connection is a 503 SS_UNAVAILABLE, never a 500', skipUnlessAvailable(await postgresDown()), () => {
  const role = `refused_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  before(async () => {
    await admin.connect();
    // A role at its connection limit answers as a server at max_connections does: SQLSTATE 53300.
    await admin.query(`create role ${role} login connection limit 0`);
  });
  after(async () => {
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('connection limit reached (53300) and nothing listening (ECONNREFUSED): 503; a failing statement stays a 500', async () => {
    const url = new URL(ADMIN_DATABASE_URL);
    url.username = role;
    const limited = await failureOf(url.href);
    assert.equal((limited as { code?: string }).code, '53300', String(limited));
    url.username = 'postgres';
    url.port = String(await freePort());
    const refused = await failureOf(url.href);
    for (const err of [limited, refused]) {
      assert.ok(isDatabaseRefusal(err), String(err));
      const answer = toAppError(err as Error, 1024);
      assert.deepEqual([answer.status, answer.code], [503, 'SS_UNAVAILABLE'], String(err));
    }
    const syntax = await failureOf(ADMIN_DATABASE_URL, 'selec 1');
    assert.equal(isDatabaseRefusal(syntax), false);
    assert.equal(toAppError(syntax as Error, 1024).status, 500);
  });
});
