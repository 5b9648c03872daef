import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CpuLimitUnavailable, type CpuLimiter } from './cpu-limiter.js';

/** What differs between the two cgroup versions: how a group is readied for children, and how its limit is written. */
export interface CgroupVersion {
  label: string;
  /** Before the first child: v2 must hand the cpu controller down to the children. */
  prepare(mount: string, group: string): Promise<void>;
  /** The files and values that limit one replica's group to `cores`. */
  limitFiles(cores: number): Array<[file: string, value: string]>;
}

const PREFIX = 'scalestack-';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** rmdir of a group whose last process has just exited can meet EBUSY for a moment: the kernel lets go of it after the exit. */
async function removeGroup(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Removes a supervisor's group and the replica groups in it (every process in them has exited). */
async function removeTree(group: string): Promise<void> {
  const children = await readdir(group, { withFileTypes: true }).catch(() => []);
  // cgroupfs lists a group's control files as files and its child groups as directories.
  for (const child of children) if (child.isDirectory()) await removeGroup(join(group, child.name));
  await removeGroup(group);
}

/** Why a write into cgroupfs failed, in words a user can act on. */
function unavailable(what: string, err: unknown): CpuLimitUnavailable {
  const code = (err as NodeJS.ErrnoException).code;
  const hint = code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
    ? ': the cgroup filesystem is not writable by this process (run the supervisor as root, or in a container with a writable cgroup mount), or unset REPLICA_CPU_LIMIT'
    : '';
  return new CpuLimitUnavailable(`REPLICA_CPU_LIMIT: cannot ${what} (${(err as Error).message})${hint}`);
}

/**
 * `<mount>/scalestack-<supervisor pid>/<replica>`: one group per replica, each limited, under one group per
 * supervisor so that a stop (or the next start, after a crash) removes them all.
 */
export async function openCgroupTree(version: CgroupVersion, mount: string, cores: number, owner = process.pid): Promise<CpuLimiter> {
  // A supervisor killed before its stop leaves its groups (empty: its replicas died with it or were reparented and exited).
  for (const entry of await readdir(mount, { withFileTypes: true }).catch(() => [])) {
    const pid = Number(entry.name.slice(PREFIX.length));
    if (entry.isDirectory() && entry.name.startsWith(PREFIX) && pid !== owner && !alive(pid)) await removeTree(join(mount, entry.name)).catch(() => {});
  }
  const group = join(mount, `${PREFIX}${owner}`);
  try {
    // Not recursive: the mount exists, and Node's recursive mkdir never returns on some pseudo filesystems (seen under /proc).
    await mkdir(group).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await version.prepare(mount, group);
  } catch (err) {
    throw unavailable(`create ${group}`, err);
  }
  const made = new Set<string>();
  return {
    where: `${version.label}, ${group}`,
    cores,
    async confine(name, pid) {
      const dir = join(group, name);
      try {
        await mkdir(dir);
        made.add(name);
        for (const [file, value] of version.limitFiles(cores)) await writeFile(join(dir, file), value);
        await writeFile(join(dir, 'cgroup.procs'), String(pid));
      } catch (err) {
        throw unavailable(`confine ${name} (pid ${pid}) to ${cores} cores in ${dir}`, err);
      }
    },
    async release(name) {
      if (!made.delete(name)) return;
      await removeGroup(join(group, name));
    },
    async close() {
      made.clear();
      await removeTree(group);
    },
  };
}
