/**
 * Tracing without an exporter: no span is recorded, but each request still
 * has its ids (http-spans.ts, idsOnly), and every reader of them agrees:
 * the log line (traceIdsOf), the traceparent of what the handler calls
 * (activeTraceparent) and of the messages it publishes (withContextHeaders).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { initTracing } from './tracing.js';
import { activeTraceparent, traceIdsOf } from './http-spans.js';
import { requestTracing } from '../http/plugins/request-tracing.js';
import { withContextHeaders } from '../bus/message-context.js';

let app: FastifyInstance;

before(async () => {
  const tracing = await initTracing();
  assert.equal(tracing.exporting, false);
  app = Fastify();
  await app.register(requestTracing);
  // What the handler's code sees of the request's span, read twice, then again after an await.
  app.get('/ids', async (request) => {
    const first = { log: traceIdsOf(request), call: activeTraceparent(), message: withContextHeaders()['traceparent'] };
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { first, again: { log: traceIdsOf(request), call: activeTraceparent(), message: withContextHeaders()['traceparent'] } };
  });
});
after(() => app.close());

type Seen = { log: { traceId: string; spanId: string }; call: string; message: string };

async function ids(headers: Record<string, string> = {}): Promise<Seen> {
  const res = await app.inject({ method: 'GET', url: '/ids', headers });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json<{ first: Seen; again: Seen }>();
  assert.deepEqual(body.again, body.first, 'the same ids however often and whenever they are read');
  return body.first;
}

describe('request ids without an exporter', () => {
  it("continues the caller's trace with a new span id; the log line, calls and messages name the same span", async () => {
    const caller = '4bf92f3577b34da6a3ce929d0e0e4736';
    const seen = await ids({ traceparent: `00-${caller}-00f067aa0ba902b7-01` });
    assert.equal(seen.log.traceId, caller);
    assert.match(seen.log.spanId, /^[0-9a-f]{16}$/);
    assert.notEqual(seen.log.spanId, '00f067aa0ba902b7', "a span of its own, not the caller's");
    assert.equal(seen.call, `00-${caller}-${seen.log.spanId}-01`);
    assert.equal(seen.message, seen.call);
  });

  it('without a caller: a new trace per request, sampled, named alike everywhere', async () => {
    const [a, b] = [await ids(), await ids()];
    for (const seen of [a, b]) {
      assert.match(seen.log.traceId, /^[0-9a-f]{32}$/);
      assert.equal(seen.call, `00-${seen.log.traceId}-${seen.log.spanId}-01`);
      assert.equal(seen.message, seen.call);
    }
    assert.notEqual(a.log.traceId, b.log.traceId, 'each request its own trace');
  });
});
