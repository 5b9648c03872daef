/**
 * `scalestack start` as a real process with OTEL_EXPORTER_OTLP_ENDPOINT and
 * LOKI_URL pointing at a tiny local HTTP server: its spans arrive by
 * OTLP/HTTP (JSON) at /v1/traces and its log lines by Loki push, and the
 * request log line names the trace the exported SERVER span belongs to.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli, type NodeProcess } from '../../testing/cli-process.js';
import { createApiClient } from '../../testing/api-client.js';
import { registerUser } from '../../testing/fixtures.js';

interface OtlpSpan { traceId: string; spanId: string; name: string; kind: number }
interface OtlpExport { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> }
interface LokiPush { streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> }

describe('exporting traces (OTLP) and logs (Loki) from a running process', () => {
  let collector: Server;
  let system: NodeProcess;
  let dataDir: string;
  const exports: OtlpExport[] = [];
  const pushes: LokiPush[] = [];

  before(async () => {
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') exports.push(JSON.parse(body) as OtlpExport);
        else if (req.url === '/loki/api/v1/push') pushes.push(JSON.parse(body) as LokiPush);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
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
    await new Promise<void>((resolve) => collector?.close(() => resolve()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('spans arrive at <endpoint>/v1/traces with the service name, including the request\'s SERVER span and its SQL', () => {
    const resources = exports.flatMap((e) => e.resourceSpans);
    assert.ok(resources.length > 0, `no OTLP export received; output:\n${system.output().slice(-2000)}`);
    const names = resources.flatMap((r) => r.resource.attributes.filter((a) => a.key === 'service.name').map((a) => a.value.stringValue));
    assert.ok(names.every((n) => n === 'export-test'), names.join(','));
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const server = spans.find((s) => s.name === 'POST /api/users');
    assert.ok(server, spans.map((s) => s.name).join(', '));
    assert.ok(spans.some((s) => s.traceId === server.traceId && s.name.startsWith('db ')), 'its SQL in the same trace');
  });

  it('log lines arrive by Loki push, and the request line names that trace', () => {
    const lines = pushes.flatMap((p) => p.streams.flatMap((s) => s.values.map(([, line]) => ({ labels: s.stream, line: JSON.parse(line) as Record<string, unknown> }))));
    const request = lines.find((l) => l.line['msg'] === 'request' && l.line['route'] === '/api/users');
    assert.ok(request, `no request line shipped; got: ${lines.map((l) => l.line['msg']).join(', ')}`);
    assert.deepEqual(request.labels, { app: 'scalestack', service: 'export-test', level: 'info' });
    const server = exports.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).find((s) => s.name === 'POST /api/users');
    assert.equal(request.line['traceId'], server?.traceId);
    assert.ok(lines.some((l) => l.line['msg'] === 'scalestack is up'), 'startup lines too');
  });
});
