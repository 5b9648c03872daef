import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors/app-error.js';
import { createRemoteUserCheck, standingAccepts, type UserStanding } from './user-check.js';

describe('the user check of a process that does not own users', () => {
  it('accepts an existing user at the current token version only; a gateway-signed identity (no version) on existence', () => {
    assert.equal(standingAccepts({ tokenVersion: 2 }, { tokenVersion: 2, write: true }), true);
    assert.equal(standingAccepts({ tokenVersion: 2 }, { tokenVersion: 1, write: false }), false, 'older token');
    assert.equal(standingAccepts({ tokenVersion: 2 }, { tokenVersion: 3, write: false }), false);
    assert.equal(standingAccepts({ tokenVersion: 2 }, { write: true }), true);
    assert.equal(standingAccepts(null, { write: false }), false, 'no such user');
  });

  it("checks the route's role against the user's standing: 403 without it, whatever the token claims", () => {
    assert.equal(standingAccepts({ tokenVersion: 0, roles: ['customer', 'admin'] }, { tokenVersion: 0, write: true, role: 'admin' }), true);
    const refused = (standing: UserStanding) => {
      assert.throws(() => standingAccepts(standing, { tokenVersion: 0, write: true, role: 'admin' }), (err: unknown) => err instanceof AppError && err.status === 403);
    };
    refused({ tokenVersion: 0, roles: ['customer'] });
    refused({ tokenVersion: 0 });
    assert.equal(standingAccepts({ tokenVersion: 0, roles: ['customer'] }, { tokenVersion: 0, write: true }), true, 'no role needed');
  });

  it('writes always ask the owner; reads reuse an answer within the TTL; forget drops it', async () => {
    const users = new Map<number, UserStanding>([[1, { tokenVersion: 0 }]]);
    let asked = 0;
    const { check, forget } = createRemoteUserCheck(async (id) => (asked++, users.get(id) ?? null), 60_000);
    assert.equal(await check(1, { write: false }), true);
    assert.equal(await check(1, { write: false }), true);
    assert.equal(asked, 1, 'the read was cached');
    users.delete(1);
    assert.equal(await check(1, { write: true }), false, 'a write sees the deletion at once');
    assert.equal(asked, 2);
    users.set(2, { tokenVersion: 0 });
    assert.equal(await check(2, { write: false }), true);
    users.set(2, { tokenVersion: 1 });
    forget(2);
    assert.equal(await check(2, { tokenVersion: 0, write: false }), false, 'after forget, the read asks again');
  });

  it('an owner that cannot be reached is a 503, never a pass', async () => {
    const { check } = createRemoteUserCheck(async () => {
      throw new Error('ECONNREFUSED');
    });
    await assert.rejects(check(1, { write: true }), (err: unknown) => err instanceof AppError && err.status === 503);
  });
});
