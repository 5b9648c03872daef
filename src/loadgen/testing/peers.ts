import autocannon from 'autocannon';
import { runLoad } from '../run.js';
import type { LoadReport } from '../report/report.js';
import { parseStages } from '../stages.js';
import { spawnScript, type NodeProcess } from '../../testing/cli-process.js';

/**
 * The two tools side by side on one URL, for the load generator's own tests
 * and benchmark: ours (open model) and autocannon (closed loop: each
 * connection sends its next request only after the last answer).
 */
export interface ClosedLoopResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

export async function autocannonRun(url: string, connections: number, seconds: number): Promise<ClosedLoopResult> {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1, timeout: 10 });
  return {
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** `scalestack load --scenario get` in process, constant arrivals, no live line. */
export function openLoopRun(url: string, rate: number, seconds: number, connections: number): Promise<LoadReport> {
  return runLoad({
    scenario: 'get',
    target: url,
    stages: parseStages([`steady:${seconds}s:${rate}`]),
    arrival: 'constant',
    connections,
    timeoutMs: 10_000,
    thresholds: [],
    seedFile: '',
    path: '/',
    randomSeed: 1,
    live: null,
  });
}

/** The bare node:http hello world (hello-server.ts) in its own process, answering. */
export async function spawnHelloServer(): Promise<NodeProcess> {
  const server = await spawnScript('src/loadgen/testing/hello-server.ts', []);
  await server.waitReady('/', 30_000);
  return server;
}
