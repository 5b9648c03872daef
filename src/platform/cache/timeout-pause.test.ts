import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutPause } from './timeout-pause.js';

test('a timed-out command pauses the cache own Redis reads for 5 s; a refused one pauses nothing', () => {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  try {
    const pause = new TimeoutPause();
    pause.failed(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    assert.equal(pause.paused, false, 'refused: not paused');
    pause.failed(new Error('Command timed out'));
    assert.equal(pause.paused, true, 'timed out: paused');
    mock.timers.tick(4_999);
    assert.equal(pause.paused, true, 'still paused just before 5 s');
    mock.timers.tick(1);
    assert.equal(pause.paused, false, 'over after 5 s');
  } finally {
    mock.timers.reset();
  }
});
