/** The console's calls: every one carries the admin token (ADR 0018), kept for this tab only. */
const KEY = 'scalestack.adminToken';

export const adminToken = {
  get: () => sessionStorage.getItem(KEY),
  set: (token: string | null) => (token ? sessionStorage.setItem(KEY, token) : sessionStorage.removeItem(KEY)),
};

export class ConsoleError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function consoleApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${adminToken.get() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/console/api${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const data: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const errors = (data as { errors?: Record<string, string[]> }).errors ?? {};
    throw new ConsoleError(response.status, Object.entries(errors).map(([k, v]) => `${k} ${v.join(', ')}`).join('; ') || `HTTP ${response.status}`);
  }
  return data as T;
}

/**
 * Server-sent events over fetch (EventSource cannot send an Authorization header).
 * Calls `onEvent` per event until `signal` aborts; resolves when the stream ends.
 */
export async function consoleStream(signal: AbortSignal, onEvent: (event: string, data: unknown) => void): Promise<void> {
  const response = await fetch('/console/api/stream', { headers: { authorization: `Bearer ${adminToken.get() ?? ''}` }, signal });
  if (!response.ok || !response.body) throw new ConsoleError(response.status, `stream: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(event, JSON.parse(data));
    }
  }
}

export interface SwitchValues { feedStrategy: 'pull' | 'push' | 'hybrid'; celebrityThreshold: number; cacheEnabled: boolean }
export interface SwitchChange { at: number; by: string; origin: string; changed: Partial<SwitchValues> }
export interface Peer { id: string; url: string; services: string[]; applied: SwitchValues; seenAt: number }
export interface State {
  process: { id: string; host: string; pid: number; url: string; services: string[]; uptimeS: number };
  switches: SwitchValues;
  changes: SwitchChange[];
  peers: Peer[];
  topology: { database: string; redis: string; bus: string };
}
export interface RouteSignals { service: string; route: string; rate: number; errors: number; p50: number | null; p99: number | null }
export interface Sample {
  t: number;
  routes: RouteSignals[];
  inFlight: number;
  eventLoopLagS: number | null;
  cacheHitRatio: Record<string, number | null>;
  outboxPending: number;
  deadLetters: number;
  fanoutLagP99: number | null;
  dependencies: { dependency: string; client: string; up: boolean }[];
  replicas: { replica: string; lagS: number | null; inRotation: boolean }[];
  peers: Peer[];
  switches: SwitchValues;
}
export interface LoadEvent { id: string; tick?: { at: number; rate: number; errors: number; p99: number }; done: boolean; summary?: { completed: number; errors: number; p99: number } }
export interface DeadLetterView { id: number; kind: 'event' | 'job'; topic: string; consumer: string; key: string; attempts: number; reason: string; failedAt: string }
export interface DeadLetters { deadLetters: DeadLetterView[]; counts: { consumer: string; topic: string; count: number }[]; pending: number }
export type PanelFault = { kind: 'none' } | { kind: 'cut' } | { kind: 'latency'; ms: number };
export interface FaultTarget { name: string; upstream: string; fault: PanelFault }
export interface Faults { enabled: boolean; targets: FaultTarget[] }
export interface ProcessReplica { name: string; url: string | null; services: string[]; pid: number | undefined }
/** One of the local autoscaler's decisions that was news: a scale-out, a scale-in, or a hold with a mark crossed. */
export interface AutoscaleDecision { at: number; service: string; action: 'out' | 'in' | 'hold'; from: number; to: number; reason: string }
export interface AutoscalerView { intervalMs: number; policy: { min: number; max: number; replicaCpu: number; cpuHigh: number; cpuLow: number; p99HighMs: number }; recent: AutoscaleDecision[] }
export interface ProcessReplicas { enabled: boolean; replicas: ProcessReplica[]; autoscaler: AutoscalerView | null }
