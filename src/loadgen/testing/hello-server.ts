/**
 * A bare node:http hello world: the physical ceiling of one Node process on
 * this machine, used as the target when testing the load generator itself.
 * `PORT=3000 node --import tsx src/loadgen/testing/hello-server.ts`
 */
import { createServer } from 'node:http';

const body = Buffer.from('{"hello":"world"}');
const server = createServer((_req, res) => {
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
