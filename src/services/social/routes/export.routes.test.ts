import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { assertError, createArticle, registerUser, type TestUser } from '../../../testing/fixtures.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';
import type { JobStatus } from '../../../platform/bus/accepted.js';
import type { UserExportResult } from '../domain/user-export.js';

for (const target of await dbTargets()) {
  describe(`user data export, 202 Accepted [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target);
    });
    after(async () => {
      await sys?.close();
    });

    const requestExport = (user: TestUser) => sys.api.post<{ id: string; state: string; location: string }>('/api/user/export', undefined, { token: user.token });
    const readStatus = (location: string, token?: string) => sys.api.get<JobStatus>(location, { token });

    it('202 with Location and Retry-After at once; the status follows the job to the export of my articles, and only mine', async () => {
      const me = await registerUser(sys.api);
      const other = await registerUser(sys.api);
      const mine = [await createArticle(sys.api, me.token, { tagList: ['x'] }), await createArticle(sys.api, me.token)];
      await createArticle(sys.api, other.token);

      const accepted = await requestExport(me);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      const location = accepted.headers.get('location')!;
      assert.match(location, /^\/api\/user\/export\/[0-9a-f-]{36}$/);
      assert.equal(accepted.headers.get('retry-after'), '1');
      assert.deepEqual(accepted.body, { id: location.split('/').at(-1), state: 'accepted', location });

      let status = await readStatus(location, me.token);
      assert.equal(status.status, 200);
      await waitFor('the export to succeed', async () => (status = await readStatus(location, me.token)).body.state === 'succeeded');
      assert.equal(status.headers.get('retry-after'), null, 'no Retry-After once finished');
      assert.equal(status.body.attempts, 1);
      const result = status.body.result as UserExportResult;
      assert.equal(result.articlesCount, 2);
      assert.deepEqual(result.articles.map((a) => a.slug).sort(), mine.map((a) => a.slug).sort(), 'my articles, not the other user\'s');
      const tagged = result.articles.find((a) => a.slug === mine[0]!.slug)!;
      assert.deepEqual(tagged.tagList, ['x']);
      assert.equal(tagged.body, mine[0]!.body);
    });

    it('another user cannot read my export: 404 "job: not found", the same as an unknown id; anonymous is 401', async () => {
      const me = await registerUser(sys.api);
      const stranger = await registerUser(sys.api);
      await createArticle(sys.api, me.token, { body: 'private draft of mine' });
      const location = (await requestExport(me)).headers.get('location')!;
      await waitFor('the export to succeed', async () => (await readStatus(location, me.token)).body.state === 'succeeded');

      const theirs = await readStatus(location, stranger.token);
      assertError(theirs, 404, 'job', 'not found');
      assert.doesNotMatch(JSON.stringify(theirs.body), /private draft/);
      assertError(await readStatus('/api/user/export/00000000-0000-4000-8000-000000000000', me.token), 404, 'job', 'not found');
      assertError(await readStatus(location), 401, 'token', 'is missing');
    });

    it('asking again while my export is under way answers that export (202, same id), never a second job', async () => {
      const me = await registerUser(sys.api);
      const stranger = await registerUser(sys.api);
      const owner = await userIdOf(sys, me);
      // An export of mine still running (inserted directly, so no worker can finish it under the test).
      const running = '11111111-1111-4111-8111-111111111111';
      await sql`insert into platform.job_status (id, queue, state, owner) values (${running}, 'social.user-export', 'running', ${String(owner)})`
        .execute(sys.db.as<Record<string, never>>());
      const jobsBefore = await jobCount(sys);
      const again = await requestExport(me);
      assert.equal(again.status, 202);
      assert.equal(again.body.id, running, 'the export under way');
      assert.equal(await jobCount(sys), jobsBefore, 'no new job');
      const theirs = await requestExport(stranger);
      assert.notEqual(theirs.body.id, running, 'another user\'s export is their own');
      assert.equal(await jobCount(sys), jobsBefore + 1);
    });

    it('401 without a token, and no job is recorded', async () => {
      const before = await jobCount(sys);
      assertError(await sys.api.post('/api/user/export'), 401, 'token', 'is missing');
      assert.equal(await jobCount(sys), before);
    });
  });
}

async function jobCount(sys: TestSystem): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from platform.job_status`.execute(sys.db.as<Record<string, never>>());
  return rows[0]!.n;
}

async function userIdOf(sys: TestSystem, user: TestUser): Promise<number> {
  const { rows } = await sql<{ id: number }>`select id from identity.users where username = ${user.username}`.execute(sys.db.as<Record<string, never>>());
  return rows[0]!.id;
}
