import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { memoryPubSub } from '../../../platform/pubsub/memory-pubsub.js';
import { createLogger } from '../../../platform/log/logger.js';
import { LiveHub, type LiveSink } from './live-hub.js';

function fakeSink(transport: 'sse' | 'ws', buffered: () => number) {
  const sent: number[] = [];
  const drops: string[] = [];
  const sink: LiveSink = { transport, buffered, send: (id) => void sent.push(id), drop: (reason) => void drops.push(reason) };
  return { sink, sent, drops };
}

describe('live hub backpressure', () => {
  it('a client whose unsent bytes exceed the bound is dropped with "slow consumer" and gets nothing more; others keep receiving', async () => {
    const registry = new Registry();
    const hub = new LiveHub(memoryPubSub(), registry, createLogger({ level: 'silent', pretty: false }), 1000);
    await hub.start();
    let backlog = 0;
    const slow = fakeSink('ws', () => backlog);
    const fast = fakeSink('sse', () => 0);
    hub.attach(7, slow.sink);
    hub.attach(7, fast.sink);
    await hub.publish(7, 1, '{}');
    await new Promise((r) => setTimeout(r, 10));
    backlog = 5000;
    await hub.publish(7, 2, '{}');
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(slow.sent, [1]);
    assert.deepEqual(slow.drops, ['slow consumer']);
    assert.deepEqual(fast.sent, [1, 2]);
    assert.match(await registry.metrics(), /notifications_live_dropped_total\{reason="slow consumer"\} 1/);
    await hub.close();
  });
});
