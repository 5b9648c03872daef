/**
 * A bare node:http hello world: the physical ceiling of one Node process on
 * this machine, used as the target when testing the load generator itself.
 * `PORT=3000 [BUSY_MS=2] node --import tsx src/loadgen/testing/hello-server.ts`
 */
import { createServer } from 'node:http';

const body = Buffer.from('{"hello":"world"}');
// BUSY_MS: each answer after that much busy work (a timer could fire early): a floor under every round trip.
const busyMs = Number(process.env['BUSY_MS'] ?? 0);
const server = createServer((_req, res) => {
  for (const end = performance.now() + busyMs; performance.now() < end; );
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env['PORT'] ?? 3000), process.env['HOST'] ?? '127.0.0.1', () => {
  process.stdout.write(`hello server on ${process.env['PORT'] ?? 3000}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
