import { trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { SharedContextManager } from './shared-context-manager.js';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/**
 * OpenTelemetry for one process. The tracer provider, the W3C trace-context
 * propagator and the AsyncLocalStorage context manager are process-wide
 * (the OTel API keeps them in globals), so this runs once per process and
 * later calls return the first handle.
 *
 * Spans are made by hand (http-spans, db-spans, bus-spans): the OTel
 * auto-instrumentations patch `require`, and this code is ESM run by tsx,
 * which they do not see.
 */
export interface Tracing {
  /** Whether spans leave the process (an exporter is configured). */
  readonly exporting: boolean;
  /** Exports what is buffered, then stops; call at shutdown. */
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

export interface TracingSettings {
  serviceName?: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (e.g. http://127.0.0.1:4318): spans go there by OTLP/HTTP, batched. */
  otlpEndpoint?: string | undefined;
  /** Tests: an exporter (e.g. InMemorySpanExporter), fed span by span, synchronously. */
  exporter?: SpanExporter;
}

export const TRACER_NAME = 'scalestack';
let current: Tracing | undefined;

/** The tracer every manual span comes from; a no-op until initTracing ran. */
export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** Whether spans are recorded for an exporter; without one, request spans carry ids only (http-spans.ts). */
export function recordingSpans(): boolean {
  return current?.exporting === true;
}

export async function initTracing(settings: TracingSettings = {}): Promise<Tracing> {
  if (current) return current;
  const processors: SpanProcessor[] = [];
  if (settings.exporter) processors.push(new SimpleSpanProcessor(settings.exporter));
  if (settings.otlpEndpoint) {
    // Imported only when exporting: the embedded start does not load the OTLP stack.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    const url = `${settings.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url })));
  }
  // Without an exporter spans are still created, so trace ids reach the logs and message headers.
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName ?? 'scalestack', [ATTR_SERVICE_VERSION]: '0.1.0' }),
    spanProcessors: processors,
  });
  // The context lives in the process's one AsyncLocalStorage (context/async-context.ts), beside the statement scope's.
  provider.register({ contextManager: new SharedContextManager() });
  current = {
    exporting: processors.length > 0,
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  };
  return current;
}
