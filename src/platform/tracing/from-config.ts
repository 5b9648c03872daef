import type { Config } from '../config/schema.js';
import type { LokiSettings } from '../log/loki.js';
import type { TracingSettings } from './tracing.js';

/** What this process is called in traces and log streams: one name per role, so per-service views work in every topology. */
export function processName(config: Config): string {
  return config.OTEL_SERVICE_NAME ?? `scalestack-${config.SERVICES?.replaceAll(',', '+') ?? 'all'}`;
}

export function tracingSettings(config: Config): TracingSettings {
  return { serviceName: processName(config), otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT };
}

export function lokiSettings(config: Config): LokiSettings | undefined {
  return config.LOKI_URL ? { url: config.LOKI_URL, labels: { app: 'scalestack', service: processName(config) } } : undefined;
}
