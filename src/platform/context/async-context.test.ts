import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { contextSlot } from './async-context.js';

describe('context slots (one AsyncLocalStorage)', () => {
  it('each slot carries its own value through awaits and timers; entering one keeps the others; leaving restores', async () => {
    const a = contextSlot<string>();
    const b = contextSlot<number>();
    assert.equal(a.get(), undefined);
    await a.run('outer', async () => {
      await b.run(1, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        assert.equal(a.get(), 'outer', "b's run kept a's value");
        assert.equal(b.get(), 1);
        await a.run('inner', async () => {
          await Promise.resolve();
          assert.deepEqual([a.get(), b.get()], ['inner', 1]);
        });
        assert.deepEqual([a.get(), b.get()], ['outer', 1], 'back to the outer values');
      });
      assert.equal(b.get(), undefined);
      // Concurrent work sees its own values only.
      const seen = await Promise.all([1, 2, 3].map((n) => b.run(n, async () => (await new Promise((r) => setTimeout(r, 4 - n)), `${a.get()}:${b.get()}`))));
      assert.deepEqual(seen, ['outer:1', 'outer:2', 'outer:3']);
    });
    assert.equal(a.get(), undefined);
  });
});
