import type { Config } from '../../config/schema.js';

/**
 * Node flags for every replica of a topology (REPLICA_GC). V8 marks and scavenges on helper threads beside the event
 * loop, and under a CPU limit their CPU is the replica's, against the same quota: a collection on three threads can
 * spend a period's quota in a few ms, and the kernel then holds every thread, the event loop's too, until the next
 * period. `main-thread` keeps collection on the event loop's thread. In the step bench (2026-12-04, 0.3 core) it cut
 * social's CPU enough that one replica carried 800 req/s unthrottled for 20 s, but the late p99 windows were no better
 * over three runs of each, so V8's default stays the default (docs/deploy.md#local-autoscaler).
 */
export function replicaNodeFlags(gc: Config['REPLICA_GC']): string[] {
  return gc === 'main-thread' ? ['--single-threaded-gc'] : [];
}
