/**
 * The ceiling for the realworld benchmark: a bare Fastify hello world, no
 * logging, no hooks, no database. `PORT=3000 node --import tsx bench/baselines/fastify-hello.ts`
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: process.env['HOST'] ?? '127.0.0.1' });

const stop = () => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
