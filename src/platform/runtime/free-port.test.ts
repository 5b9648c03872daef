import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './free-port.js';

const linux = process.platform === 'linux';

test('picks listenable ports below the kernel ephemeral range, so no bind to port 0 can take one before its process listens', { skip: linux ? false : 'reads the range from /proc (Linux)' }, async () => {
  const firstEphemeral = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const picked = new Set<number>();
  for (let i = 0; i < 200; i++) picked.add(await freePort());
  for (const port of picked) assert.ok(port >= 10_000 && port < firstEphemeral, `${port} outside [10000, ${firstEphemeral})`);
  assert.ok(picked.size > 150, `${picked.size} distinct ports in 200 picks: spread at random, not one range walked in order`);
  const port = [...picked][0]!;
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  server.close();
});
