import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { registerUser } from '../../testing/fixtures.js';
import { createHttpIdentityClient } from './http-identity-client.js';
import { AppError } from '../../platform/errors/app-error.js';
import { FakeUpstream } from '../../testing/fake-upstream.js';

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

describe("identity over HTTP: a caller never turns identity's failure into a 500", () => {
  // Under overload (the autoscaler's cache-off step) social answered 500 when its call to identity timed out:
  // the client threw undici's own error, which no handler knows. The catalog's client already mapped these.
  const fakes: FakeUpstream[] = [];
  const fake = async (name: string, set: Partial<Pick<FakeUpstream, 'delayMs' | 'status'>> = {}) => {
    const f = Object.assign(await new FakeUpstream(name).listen(), set);
    fakes.push(f);
    return f;
  };
  after(async () => {
    for (const f of fakes) await f.kill();
  });
  const failsWith = (status: number, code: string) => (err: unknown) => {
    assert.ok(err instanceof AppError, `an AppError from the catalog, not ${String(err)}`);
    assert.deepEqual([err.status, err.code], [status, code]);
    return true;
  };
  const calling = async (urls: string[], call: (client: ReturnType<typeof createHttpIdentityClient>) => Promise<unknown>) => {
    const client = createHttpIdentityClient({ urls: () => urls, secret: SECRET });
    try {
      return await call(client);
    } finally {
      await client.close();
    }
  };

  it('identity not answering within the call timeout is a 504 SS_TIMEOUT', async () => {
    const stalled = await fake('stalled', { delayMs: 5_000 });
    const t0 = performance.now();
    await assert.rejects(calling([stalled.url], (c) => c.usersByIds([1])), failsWith(504, 'SS_TIMEOUT'));
    assert.ok(performance.now() - t0 < 4_500, 'at the call timeout, not after identity answered');
  });

  it('identity answering 500 is a 502 SS_UPSTREAM_UNAVAILABLE; every replica draining (503), refusing or none known is a 503', async () => {
    const broken = await fake('broken', { status: 500 });
    await assert.rejects(calling([broken.url], (c) => c.userByUsername('someone')), failsWith(502, 'SS_UPSTREAM_UNAVAILABLE'));
    const [a, b] = [await fake('a', { status: 503 }), await fake('b', { status: 503 })];
    await assert.rejects(calling([a.url, b.url], (c) => c.usersByIds([1, 2])), failsWith(503, 'SS_UPSTREAM_UNAVAILABLE'));
    assert.equal(a.seen.length + b.seen.length, 4, 'each draining replica tried twice');
    const gone = await fake('gone');
    await gone.kill();
    await assert.rejects(calling([gone.url], (c) => c.emailsByIds([1])), failsWith(503, 'SS_UPSTREAM_UNAVAILABLE'));
    await assert.rejects(calling([], (c) => c.usersByIds([1])), failsWith(503, 'SS_UPSTREAM_UNAVAILABLE'));
  });
});
