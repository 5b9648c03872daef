import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { registerUser } from '../../testing/fixtures.js';
import { createHttpIdentityClient } from './http-identity-client.js';
import { AppError } from '../../platform/errors/app-error.js';

const SECRET = 's'.repeat(40);
const [pglite] = await dbTargets();

describe('identity over HTTP (the client other processes use)', () => {
  let sys: TestSystem;
  let username: string;
  before(async () => {
    sys = await startTestSystem(pglite!, { INTERNAL_SECRET: SECRET });
    ({ username } = await registerUser(sys.api));
  });
  after(() => sys.close());

  it('finds a user that exists and answers null for one that does not', async () => {
    const client = createHttpIdentityClient({ urls: () => [sys.url], secret: SECRET });
    try {
      const user = await client.userByUsername(username);
      assert.equal(user?.username, username);
      assert.ok(await client.standing(user!.id));
      assert.equal(await client.standing(999_999), null);
      assert.equal(await client.userByUsername('nobody-here'), null);
    } finally {
      await client.close();
    }
  });

  it('a refused signature (another INTERNAL_SECRET) is a 503 from identity, never "no such user"', async () => {
    const client = createHttpIdentityClient({ urls: () => [sys.url], secret: 'x'.repeat(40) });
    try {
      for (const call of [() => client.userByUsername(username), () => client.standing(1), () => client.userExists(1, { write: true })]) {
        await assert.rejects(call, (err: unknown) => err instanceof AppError && err.status === 503, 'the refusal surfaces as identity unavailable');
      }
    } finally {
      await client.close();
    }
  });
});
