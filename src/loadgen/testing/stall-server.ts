/**
 * A server that answers in RESPONSE_MS (2) but stalls STALL_MS (1000) every
 * PERIOD_MS (5000): every request that arrives or is pending during a stall is
 * answered only when it ends, like a GC pause or a failover. The coordinated
 * omission test's target. Any path answers; /readyz too.
 *
 * CLOCK=first-request starts the period at the first request other than
 * /readyz instead of at start-up, so a load run (whose connection warm-up is
 * that first request) can be made to meet a stall at a known moment: with
 * PERIOD_MS=4000 STALL_MS=1000 the server hangs for the last second of a 4 s run.
 */
import { createServer } from 'node:http';

const responseMs = Number(process.env['RESPONSE_MS'] ?? 2);
const stallMs = Number(process.env['STALL_MS'] ?? 1000);
const periodMs = Number(process.env['PERIOD_MS'] ?? 5000);
const clockOnFirstRequest = process.env['CLOCK'] === 'first-request';
let t0 = clockOnFirstRequest ? Infinity : performance.now();
const body = Buffer.from('{"ok":true}');

/** ms until the current stall ends, or 0 outside a stall (stalls sit at the end of each period). */
function stallLeft(): number {
  if (t0 === Infinity) return 0;
  const phase = (performance.now() - t0) % periodMs;
  return phase >= periodMs - stallMs ? periodMs - phase : 0;
}

const server = createServer((req, res) => {
  if (t0 === Infinity && req.url !== '/readyz') t0 = performance.now();
  const answer = () => {
    // A request whose 2 ms ends inside a stall waits for the stall too.
    const wait = stallLeft();
    if (wait > 0) return setTimeout(answer, wait);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  };
  const wait = stallLeft();
  setTimeout(answer, wait + responseMs);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env['PORT'] ?? 3000), process.env['HOST'] ?? '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
