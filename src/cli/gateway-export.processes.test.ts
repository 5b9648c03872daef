/**
 * `scalestack gateway` as a real process with OTEL_EXPORTER_OTLP_ENDPOINT
 * and LOKI_URL pointing at a tiny local HTTP server: the gateway's SERVER
 * span arrives by OTLP/HTTP at /v1/traces under its own service name, and
 * its log lines by Loki push (it used to ignore both).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawRequest, spawnCli, type NodeProcess } from '../testing/cli-process.js';
import { FakeUpstream } from '../testing/fake-upstream.js';
import { startFakeCollector, type FakeCollector } from '../testing/fake-collector.js';
import { everyServiceAt } from '../testing/gateway-upstreams.js';

describe('scalestack gateway exports traces (OTLP) and logs (Loki)', () => {
  let collector: FakeCollector;
  let gateway: NodeProcess;
  let replica: FakeUpstream;
  let dataDir: string;

  before(async () => {
    collector = await startFakeCollector();
    const { url } = collector;
    replica = await new FakeUpstream('a').listen();
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-gateway-export-'));
    gateway = await spawnCli(
      {
        env: {
          DATA_DIR: dataDir,
          JWT_SECRET: 'j'.repeat(40),
          INTERNAL_SECRET: 'i'.repeat(40),
          GATEWAY_UPSTREAMS: everyServiceAt(replica.url),
          OTEL_EXPORTER_OTLP_ENDPOINT: url,
          LOKI_URL: url,
        },
      },
      'gateway',
    );
    await gateway.waitReady('/readyz', 60_000);
    assert.equal((await rawRequest(gateway.url, 'GET', '/api/tags')).status, 200);
    // SIGTERM: the shutdown path flushes both exporters.
    const exit = await gateway.stop('SIGTERM', 20_000);
    assert.equal(exit.code, 0, gateway.output());
  });

  after(async () => {
    if (gateway && !gateway.hasExited()) await gateway.stop('SIGKILL');
    await replica?.kill();
    await collector?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("the gateway's SERVER span for GET /api/tags arrives at <endpoint>/v1/traces as scalestack-gateway", () => {
    const resources = collector.exports.flatMap((e) => e.resourceSpans);
    assert.ok(resources.length > 0, `no OTLP export received; output:\n${gateway.output().slice(-2000)}`);
    const names = new Set(resources.flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name').map((a) => a.value.stringValue)));
    assert.deepEqual([...names], ['scalestack-gateway']);
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    assert.ok(spans.some((s) => s.name === 'GET /api/tags'), spans.map((s) => s.name).join(', '));
    const traceparent = replica.seen.at(-1)?.headers['traceparent'] as string | undefined;
    const span = spans.find((s) => s.name === 'GET /api/tags')!;
    assert.equal(traceparent?.split('-')[1], span.traceId, 'the replica was called inside that trace');
  });

  it('its log lines arrive by Loki push, labelled as the gateway', () => {
    const lines = collector.pushes.flatMap((p) => p.streams.flatMap((s) => s.values.map(([, line]) => ({ labels: s.stream, line: JSON.parse(line) as Record<string, unknown> }))));
    assert.ok(lines.some((l) => l.line['msg'] === 'gateway is up'), `got: ${lines.map((l) => l.line['msg']).join(', ')}`);
    assert.ok(lines.every((l) => l.labels['service'] === 'scalestack-gateway'));
  });
});
