import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSpan { traceId: string; spanId: string; name: string; kind: number }
export interface OtlpExport { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> }
export interface LokiPush { streams: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> }

export interface FakeCollector {
  /** Base URL: OTEL_EXPORTER_OTLP_ENDPOINT and LOKI_URL both point here. */
  url: string;
  /** OTLP/HTTP JSON bodies received on /v1/traces, in order. */
  exports: OtlpExport[];
  /** Loki push bodies received on /loki/api/v1/push, in order. */
  pushes: LokiPush[];
  close(): Promise<void>;
}

/** One loopback server standing in for an OTLP collector and Loki, keeping what each receives. */
export async function startFakeCollector(): Promise<FakeCollector> {
  const exports: OtlpExport[] = [];
  const pushes: LokiPush[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') exports.push(JSON.parse(body) as OtlpExport);
      else if (req.url === '/loki/api/v1/push') pushes.push(JSON.parse(body) as LokiPush);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    pushes,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
