import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CpuLimitUnavailable } from '../platform/runtime/topologies/cpu-limits/cpu-limiter.js';
import { findHostCpuController, openCpuLimiter } from '../platform/runtime/topologies/cpu-limits/open-cpu-limiter.js';

/** A process's CPU seconds so far (utime + stime from /proc/<pid>/stat, 100 ticks a second), or null once it is gone. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!stat) return null;
  // Fields after the command's closing parenthesis (the name may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The group a process is in for the cpu controller, relative to its mount (v1: the line naming cpu; v2: the unified line). */
export async function cpuGroupOf(pid: number): Promise<string> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, 'utf8')).trim().split('\n').map((l) => l.split(':'));
  const line = lines.find(([, controllers]) => controllers!.split(',').includes('cpu')) ?? lines.find(([id]) => id === '0');
  return line![2]!;
}

/** Why this host cannot limit a replica's CPU (no cpu controller, not root), or null when it can: what REPLICA_CPU_LIMIT's tests need. */
export async function cpuLimitUnavailable(): Promise<string | null> {
  try {
    await (await openCpuLimiter(0.5)).close();
    return null;
  } catch (err) {
    return err instanceof CpuLimitUnavailable ? err.message : String(err);
  }
}

let hostController: ReturnType<typeof findHostCpuController> | undefined;

/**
 * How long the kernel has held a process's cpu group back at its quota so far, in ms (cpu.stat: v1 `throttled_time` in
 * ns, v2 `throttled_usec`), or null when it is gone or not in a limited group.
 */
export async function throttledMs(pid: number): Promise<number | null> {
  // Read once: the step bench asks for every social replica every 500 ms, and the mounts do not change under it.
  hostController ??= findHostCpuController();
  const host = await hostController;
  if (!host) return null;
  const group = await cpuGroupOf(pid).catch(() => null);
  if (!group) return null;
  const stat = await readFile(join(host.mount, group, 'cpu.stat'), 'utf8').catch(() => null);
  const v1 = stat && /^throttled_time (\d+)$/m.exec(stat);
  if (v1) return Number(v1[1]) / 1e6;
  const v2 = stat && /^throttled_usec (\d+)$/m.exec(stat);
  return v2 ? Number(v2[1]) / 1e3 : null;
}
