/**
 * One trace follows the work: an HTTP request's SERVER span, the SQL it runs,
 * the outbox relay's PRODUCER span for the event it wrote, and the consumer's
 * CONSUMER span (with the consumer's own SQL), all in the caller's trace.
 * Real PGlite, the real in-process bus and outbox relay; spans collected by
 * OTel's in-memory exporter.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { sql } from 'kysely';
import { initTracing, type Tracing } from './tracing.js';
import { activeTraceparent } from './http-spans.js';
import { openDatabase } from '../db/open-database.js';
import type { Database } from '../db/database.js';
import { runMigrations } from '../db/migrations.js';
import { busMigrations } from '../bus/migrations.js';
import { startPlatformBus, type PlatformBus } from '../bus/platform-bus.js';
import { createApp, type App } from '../http/create-app.js';
import { createLogger } from '../log/logger.js';
import { createMetrics } from '../metrics/metrics.js';
import { createTokenService } from '../auth/tokens.js';
import { waitFor } from '../bus/testing/targets.js';
import { dbTargets } from '../../testing/db-targets.js';
import { startTestSystem, type TestSystem } from '../../testing/test-system.js';
import { createArticle, registerUser } from '../../testing/fixtures.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;

before(async () => {
  tracing = await initTracing({ exporter, serviceName: 'tracing-test' });
});

/** Spans of one trace, and a lookup of each span's parent. */
function traceOf(traceId: string) {
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (s: ReadableSpan) => (s.parentSpanContext ? byId.get(s.parentSpanContext.spanId) : undefined);
  const describe = () => spans.map((s) => `${SpanKind[s.kind]} ${s.name} ← ${parentOf(s)?.name ?? '(root)'}`).join('\n');
  return { spans, parentOf, describe };
}

describe('tracing through HTTP, SQL, the outbox and a consumer (platform)', () => {
  let db: Database;
  let messaging: PlatformBus;
  let app: App;
  let url: string;
  const handled: string[] = [];
  let outgoing: string | undefined;

  before(async () => {
    db = await openDatabase({ dataDir: 'memory://', poolMax: 2 });
    await runMigrations(db, [busMigrations]);
    const logger = createLogger({ level: 'silent', pretty: false });
    messaging = await startPlatformBus({ url: undefined, db, logger });
    await messaging.bus.subscribe('thing.created', 'tracing-test', async (delivery) => {
      await sql`select 1 as consumer_query`.execute(db.as<Record<string, never>>());
      handled.push(delivery.id);
    });
    app = await createApp({ logger, metrics: createMetrics(), tokens: createTokenService('x'.repeat(32), 60), bodyLimit: 1024, userExists: async () => true });
    app.post('/api/things', async () => {
      outgoing = activeTraceparent();
      await db.as<Record<string, never>>().transaction().execute(async (trx) => {
        await sql`select 1 as handler_query`.execute(trx);
        await messaging.outbox.add(trx, [{ topic: 'thing.created', key: 'k', payload: { n: 1 } }]);
      });
      messaging.outbox.wake();
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await app?.close();
    await messaging?.close();
    await db?.close();
  });

  it('one trace: SERVER → SQL, SERVER → PRODUCER (outbox publish) → CONSUMER → SQL, continuing the caller\'s traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${url}/api/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: '{}',
    });
    assert.equal(res.status, 200);
    await waitFor('the consumer handled the event', () => handled.length === 1, 5000);
    await tracing.forceFlush();
    const t = traceOf(traceId);
    const server = t.spans.find((s) => s.kind === SpanKind.SERVER);
    assert.ok(server, `a SERVER span in the trace:\n${t.describe()}`);
    assert.equal(server.name, 'POST /api/things');
    assert.equal(server.parentSpanContext?.spanId, '00f067aa0ba902b7', 'child of the caller\'s span');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(outgoing, `00-${traceId}-${server.spanContext().spanId}-01`, 'an outgoing call from the handler would name the SERVER span as parent');

    const handlerSql = t.spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['db.query.text']).includes('handler_query'));
    assert.equal(handlerSql && t.parentOf(handlerSql), server, `the handler's SQL is a child of the SERVER span:\n${t.describe()}`);
    const producer = t.spans.find((s) => s.kind === SpanKind.PRODUCER);
    assert.equal(producer?.name, 'publish thing.created', t.describe());
    assert.equal(t.parentOf(producer), server, 'the outbox publish is a child of the request that wrote the row');
    const consumer = t.spans.find((s) => s.kind === SpanKind.CONSUMER);
    assert.equal(consumer?.name, 'consume thing.created', t.describe());
    assert.equal(t.parentOf(consumer), producer, 'the consumer is a child of the publish');
    const consumerSql = t.spans.find((s) => s.kind === SpanKind.CLIENT && String(s.attributes['db.query.text']).includes('consumer_query'));
    assert.equal(consumerSql && t.parentOf(consumerSql), consumer, 'the consumer\'s SQL nests under it');
  });

  it('background SQL (the relay polling) makes no spans of its own', async () => {
    await new Promise((r) => setTimeout(r, 600));
    const polling = exporter.getFinishedSpans().filter((s) => String(s.attributes['db.query.text']).includes('from platform.outbox'));
    assert.deepEqual(polling.map((s) => s.name), []);
  });
});

const [pglite] = await dbTargets();
const ARTICLE_TOPIC = 'social.article.published';

describe('tracing the Conduit API (system)', () => {
  let sys: TestSystem;
  const created: string[] = [];

  before(async () => {
    sys = await startTestSystem(pglite!);
    // What social emits through its outbox for a new article (the feed's fan-out consumes it too).
    await sys.bus.subscribe(ARTICLE_TOPIC, 'tracing-test', async (d) => void created.push(d.id));
  });
  after(async () => {
    await sys?.close();
  });

  it('POST /api/articles: a SERVER span with the SQL it ran as children', async () => {
    const author = await registerUser(sys.api);
    exporter.reset();
    await createArticle(sys.api, author.token, { title: 'Traced article' });
    await tracing.forceFlush();
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /api/articles');
    assert.ok(server, 'a SERVER span for POST /api/articles');
    const t = traceOf(server.spanContext().traceId);
    const sqlChildren = t.spans.filter((s) => s.kind === SpanKind.CLIENT && t.parentOf(s) === server);
    assert.ok(sqlChildren.some((s) => s.attributes['db.operation.name'] === 'INSERT'), `an INSERT under the request:\n${t.describe()}`);
  });

  it('POST /api/articles: the outbox publish and the consumer join the same trace', async () => {
    const author = await registerUser(sys.api);
    exporter.reset();
    await createArticle(sys.api, author.token, { title: 'Traced event' });
    await waitFor(`social publishes ${ARTICLE_TOPIC} through its outbox`, () => created.length > 0, 5000);
    await tracing.forceFlush();
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.name === 'POST /api/articles');
    assert.ok(server);
    const ours = (s: ReadableSpan) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.consumer.group.name'] === 'tracing-test';
    await waitFor('this test\'s consumer span ended', () => traceOf(server.spanContext().traceId).spans.some(ours), 2000);
    const tr = traceOf(server.spanContext().traceId);
    const producer = tr.spans.find((s) => s.kind === SpanKind.PRODUCER && s.name === `publish ${ARTICLE_TOPIC}`);
    assert.ok(producer && tr.parentOf(producer) === server, `the outbox publish is a child of the request:\n${tr.describe()}`);
    const consumers = tr.spans.filter((s) => s.kind === SpanKind.CONSUMER && s.name === `consume ${ARTICLE_TOPIC}`);
    assert.ok(consumers.some(ours), tr.describe());
    // Every consumer of the event (this test's and the feed's) handles it as a child of the publish.
    for (const consumer of consumers) assert.equal(tr.parentOf(consumer), producer, tr.describe());
    // And whatever they start (the fan-out job, its SQL) stays in the trace, under the request.
    for (const span of tr.spans) {
      let up: ReadableSpan | undefined = span;
      while (up && up !== server) up = tr.parentOf(up);
      assert.equal(up, server, `${span.name} descends from the request:\n${tr.describe()}`);
    }
  });
});
