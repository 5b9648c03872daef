import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dbTargets } from '../../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../../testing/test-system.js';
import { follow, registerUser } from '../../../testing/fixtures.js';
import { waitFor } from '../../../platform/bus/testing/targets.js';
import { openSse, openWs } from '../testing/live-clients.js';

for (const target of await dbTargets()) {
  describe(`live notifications: SSE and WebSocket [${target.name}]`, target.options, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem(target, { NOTIFICATIONS_HEARTBEAT_MS: 5000 });
    });
    after(async () => {
      await sys?.close();
    });

    it('SSE (?token=) and WebSocket both receive each new notification; other users\' streams receive nothing', async () => {
      const alice = await registerUser(sys.api);
      const bystander = await registerUser(sys.api);
      const sse = await openSse(sys.url, alice.token);
      assert.equal(sse.status, 200);
      const ws = await openWs(sys.url, alice.token);
      const otherSse = await openSse(sys.url, bystander.token);
      const otherWs = await openWs(sys.url, bystander.token);
      try {
        const fans = await Promise.all([registerUser(sys.api), registerUser(sys.api)]);
        for (const fan of fans) await follow(sys.api, fan.token, alice.username);
        await waitFor('2 on SSE and WS', () => sse.received.length >= 2 && ws.received.length >= 2, 10_000).catch((err: Error) => { throw new Error(`${err.message}: sse ${JSON.stringify(sse.received)} ws ${JSON.stringify(ws.received)}`); });
        assert.deepEqual(sse.received.map((r) => r.id), ws.received.map((r) => r.id));
        assert.deepEqual(sse.received.map((r) => r.notification['actor']), fans.map((f) => ({ username: f.username, image: null })));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(otherSse.received.length + otherWs.received.length, 0);
      } finally {
        sse.close();
        otherSse.close();
        ws.socket.close();
        otherWs.socket.close();
      }
    });

    it('a reconnect with Last-Event-ID gets exactly what it missed (SSE and WebSocket), then live ones, nothing twice', async () => {
      const alice = await registerUser(sys.api);
      const first = await openSse(sys.url, alice.token);
      await follow(sys.api, (await registerUser(sys.api)).token, alice.username);
      await waitFor('first', () => first.received.length === 1, 10_000);
      first.close();
      const lastId = first.received[0]!.id;
      // Two while disconnected.
      for (let i = 0; i < 2; i++) await follow(sys.api, (await registerUser(sys.api)).token, alice.username);
      await waitFor('stored', async () => (await sys.api.get('/api/notifications', { token: alice.token })).body.notifications.length === 3, 10_000);
      const sse = await openSse(sys.url, alice.token, lastId);
      const ws = await openWs(sys.url, alice.token, lastId);
      try {
        await waitFor('the 2 missed', () => sse.received.length >= 2 && ws.received.length >= 2, 10_000);
        await follow(sys.api, (await registerUser(sys.api)).token, alice.username);
        await waitFor('the live one', () => sse.received.length >= 3 && ws.received.length >= 3, 10_000);
        await new Promise((r) => setTimeout(r, 300));
        for (const got of [sse.received, ws.received]) {
          const ids = got.map((r) => r.id);
          assert.equal(ids.length, 3, JSON.stringify(ids));
          assert.equal(new Set(ids).size, 3);
          assert.ok(ids.every((id) => id > lastId));
          assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
        }
      } finally {
        sse.close();
        ws.socket.close();
      }
    });

    it('WebSocket: an upgrade without a valid token is refused with 401', async () => {
      await assert.rejects(openWs(sys.url, 'forged'), /upgrade refused: 401/);
    });

    it('/metrics shows live connections by transport and messages written', async () => {
      const alice = await registerUser(sys.api);
      const sse = await openSse(sys.url, alice.token);
      const ws = await openWs(sys.url, alice.token);
      try {
        await follow(sys.api, (await registerUser(sys.api)).token, alice.username);
        await waitFor('delivered', () => sse.received.length === 1 && ws.received.length === 1, 10_000);
        const text = await (await fetch(new URL('/metrics', sys.url))).text();
        assert.match(text, /notifications_live_connections\{transport="sse"\} [1-9]/);
        assert.match(text, /notifications_live_connections\{transport="ws"\} [1-9]/);
        assert.match(text, /notifications_live_messages_total\{transport="sse"\} [1-9]/);
      } finally {
        sse.close();
        ws.socket.close();
      }
    });
  });
}
