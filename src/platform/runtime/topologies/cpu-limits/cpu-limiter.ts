/**
 * Confines each replica of a one-host topology to a share of the host's cores, as a container's CPU limit does
 * (REPLICA_CPU_LIMIT): the local autoscaler then reads a replica's CPU against its limit, as Kubernetes' HPA reads
 * a pod's against what it asked for, and a replica past its share is throttled instead of taking a core from the
 * others. One group per replica under one group per supervisor, in the kernel's cgroup `cpu` controller.
 */
export interface CpuLimiter {
  /** What enforces the limit and where, for the start log (e.g. `cgroup v1 cpu controller, /sys/fs/cgroup/cpu/scalestack-123`). */
  readonly where: string;
  /** Cores each confined process may use (0.3: 30 ms of CPU time in every 100 ms). */
  readonly cores: number;
  /** Puts the process into a group of its own, limited to `cores`. */
  confine(name: string, pid: number): Promise<void>;
  /** Removes the replica's group once its process has exited (a group with a process in it cannot be removed). */
  release(name: string): Promise<void>;
  /** Removes every group this limiter made; the replicas have exited. */
  close(): Promise<void>;
}

/** The CFS period kubelet uses: a limited process gets `cores × 100 ms` of CPU time in every 100 ms. */
export const CFS_PERIOD_US = 100_000;

/** The CPU time a limit of `cores` grants per period (the kernel's floor is 1 ms). */
export function quotaUs(cores: number): number {
  return Math.max(1_000, Math.round(cores * CFS_PERIOD_US));
}

/** REPLICA_CPU_LIMIT cannot be enforced here; the message says why and what to do. */
export class CpuLimitUnavailable extends Error {
  override readonly name = 'CpuLimitUnavailable';
}
