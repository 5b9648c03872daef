import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger.js';
import { lazyChildLogger } from './lazy-child-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ level, pretty: false, destination }) };
}

describe('lazy request logger', () => {
  it('makes no child while nothing is written at an enabled level', (t) => {
    const { logger, lines } = capture('warn');
    const made = t.mock.method(logger, 'child');
    const log = lazyChildLogger(logger, { reqId: 'r1' }, {});
    log.info({ route: '/x' }, 'request');
    log.debug('detail');
    assert.equal(made.mock.callCount(), 0);
    assert.equal(lines.length, 0);
    assert.equal(log.level, 'warn');
    assert.equal(log.isLevelEnabled('info'), false);
  });

  it('writes enabled lines through one real child: bindings, redaction and levels as before', (t) => {
    const { logger, lines } = capture('info');
    const made = t.mock.method(logger, 'child');
    const log = lazyChildLogger(logger, { reqId: 'r2' }, {});
    log.info({ user: { password: 'hunter2' } }, 'first');
    log.error(new Error('boom'), 'second');
    log.debug('not written');
    assert.equal(made.mock.callCount(), 1);
    assert.deepEqual(lines.map((l) => [l['msg'], l['reqId']]), [['first', 'r2'], ['second', 'r2']]);
    assert.deepEqual(lines[0]!['user'], { password: '[redacted]' });
    assert.equal((lines[1]!['err'] as { message: string }).message, 'boom');
    log.level = 'debug';
    log.debug('now written');
    assert.equal(lines.at(-1)!['msg'], 'now written');
    assert.equal(logger.level, 'info', 'the parent keeps its level');
  });
});
