import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CFS_PERIOD_US, quotaUs } from './cpu-limiter.js';
import type { CgroupVersion } from './cgroup-tree.js';

/** Whether a group's cgroup.subtree_control already hands `cpu` to its children. */
async function handsDownCpu(group: string): Promise<boolean> {
  const text = await readFile(join(group, 'cgroup.subtree_control'), 'utf8');
  return text.split(/\s+/).includes('cpu');
}

/**
 * The unified hierarchy (cgroup v2, today's distributions and Kubernetes nodes): `cpu.max` holds quota and period.
 * A child has the cpu controller's files only once its parent lists `cpu` in cgroup.subtree_control, so the mount's
 * root hands it to the supervisor's group, which hands it to each replica's. (The root may; a group with processes
 * of its own may not: the supervisor's group holds none, only replica groups.)
 */
export const cgroupV2: CgroupVersion = {
  label: 'cgroup v2 cpu controller',
  async prepare(mount, group) {
    if (!(await handsDownCpu(mount))) await writeFile(join(mount, 'cgroup.subtree_control'), '+cpu');
    if (!(await handsDownCpu(group))) await writeFile(join(group, 'cgroup.subtree_control'), '+cpu');
  },
  limitFiles: (cores) => [['cpu.max', `${quotaUs(cores)} ${CFS_PERIOD_US}`]],
};
