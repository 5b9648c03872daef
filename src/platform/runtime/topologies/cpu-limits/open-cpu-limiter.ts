import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCgroupTree, type CgroupVersion } from './cgroup-tree.js';
import { cgroupV1 } from './cgroup-v1.js';
import { cgroupV2 } from './cgroup-v2.js';
import { CpuLimitUnavailable, type CpuLimiter } from './cpu-limiter.js';

/** Where this host's cpu controller is mounted, and which cgroup version it is, from /proc/self/mounts (null: none). */
export async function findCpuController(mounts: string, readControllers: (mount: string) => Promise<string>): Promise<{ version: CgroupVersion; mount: string } | null> {
  const lines = mounts.split('\n').map((line) => line.split(' ')).filter((f) => f.length >= 4);
  // v1 first: on a hybrid host the controller lives in a v1 hierarchy and the v2 mount beside it lists no controllers.
  const v1 = lines.find(([, , type, options]) => type === 'cgroup' && options!.split(',').includes('cpu'));
  if (v1) return { version: cgroupV1, mount: unescapeMount(v1[1]!) };
  for (const [, mount, type] of lines) {
    if (type !== 'cgroup2') continue;
    const controllers = await readControllers(unescapeMount(mount!)).catch(() => '');
    if (controllers.split(/\s+/).includes('cpu')) return { version: cgroupV2, mount: unescapeMount(mount!) };
  }
  return null;
}

/** /proc/self/mounts writes a space in a path as \040 (and tab, newline, backslash likewise). */
function unescapeMount(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** This host's cpu controller; undefined where there is no /proc/self/mounts (not Linux), null where none is mounted. */
export async function findHostCpuController(): Promise<{ version: CgroupVersion; mount: string } | null | undefined> {
  const mounts = await readFile('/proc/self/mounts', 'utf8').catch(() => undefined);
  if (mounts === undefined) return undefined;
  return findCpuController(mounts, (mount) => readFile(join(mount, 'cgroup.controllers'), 'utf8'));
}

/** The limiter for REPLICA_CPU_LIMIT on this host, or a CpuLimitUnavailable that says why there is none. */
export async function openCpuLimiter(cores: number): Promise<CpuLimiter> {
  const found = await findHostCpuController();
  if (found === undefined) throw new CpuLimitUnavailable('REPLICA_CPU_LIMIT needs Linux cgroups (/proc/self/mounts not found); unset it on this host');
  if (!found) throw new CpuLimitUnavailable('REPLICA_CPU_LIMIT: no cgroup cpu controller is mounted on this host (see /proc/self/mounts); unset it here');
  return openCgroupTree(found.version, found.mount, cores);
}
