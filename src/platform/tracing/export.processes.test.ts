/**
 * `scalestack start` as a real process with OTEL_EXPORTER_OTLP_ENDPOINT and
 * LOKI_URL pointing at a tiny local HTTP server: its spans arrive by
 * OTLP/HTTP (JSON) at /v1/traces and its log lines by Loki push, and the
 * request log line names the trace the exported SERVER span belongs to.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { createApiClient } from '../../testing/api-client.js';
import { registerUser } from '../../testing/fixtures.js';
import { startFakeCollector, type FakeCollector } from '../../testing/fake-collector.js';

describe('exporting traces (OTLP) and logs (Loki) from a running process', () => {
  let collector: FakeCollector;
  let system: NodeProcess;
  let dataDir: string;

  before(async () => {
    collector = await startFakeCollector();
    const { url } = collector;
    dataDir = await mkdtemp(join(tmpdir(), 'scalestack-export-'));
    system = await spawnCli({
      env: { DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_SERVICE_NAME: 'export-test', LOKI_URL: url, ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' },
    });
    await system.waitReady('/readyz', 60_000);
    await registerUser(createApiClient(system.url));
    // SIGTERM: the shutdown path flushes both exporters.
    const exit = await system.stop('SIGTERM', 20_000);
    assert.equal(exit.code, 0, system.output());
  });

  after(async () => {
    if (system && !system.hasExited()) await system.stop('SIGKILL');
    await collector?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('spans arrive at <endpoint>/v1/traces with the service name, including the request\'s SERVER span and its SQL', () => {
    const resources = collector.exports.flatMap((e) => e.resourceSpans);
    assert.ok(resources.length > 0, `no OTLP export received; output:\n${system.output().slice(-2000)}`);
    const names = resources.flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name').map((a) => a.value.stringValue));
    assert.ok(names.every((n) => n === 'export-test'), names.join(','));
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const server = spans.find((s) => s.name === 'POST /api/users');
    assert.ok(server, spans.map((s) => s.name).join(', '));
    assert.ok(spans.some((s) => s.traceId === server.traceId && s.name.startsWith('db ')), 'its SQL in the same trace');
  });

  it('log lines arrive by Loki push, and the request line names that trace', () => {
    const lines = collector.pushes.flatMap((p) => p.streams.flatMap((s) => s.values.map(([, line]) => ({ labels: s.stream, line: JSON.parse(line) as Record<string, unknown> }))));
    const request = lines.find((l) => l.line['msg'] === 'request' && l.line['route'] === '/api/users');
    assert.ok(request, `no request line shipped; got: ${lines.map((l) => l.line['msg']).join(', ')}`);
    assert.deepEqual(request.labels, { app: 'scalestack', service: 'export-test', level: 'info' });
    const server = collector.exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).find((s) => s.name === 'POST /api/users');
    assert.equal(request.line['traceId'], server?.traceId);
    assert.ok(lines.some((l) => l.line['msg'] === 'scalestack is up'), 'startup lines too');
  });
});
