import { CFS_PERIOD_US, quotaUs } from './cpu-limiter.js';
import type { CgroupVersion } from './cgroup-tree.js';

/** cgroup v1's `cpu` controller (hybrid hosts, older distributions, this project's CI machine): CFS quota and period, two files. */
export const cgroupV1: CgroupVersion = {
  label: 'cgroup v1 cpu controller',
  async prepare() {
    // Nothing to hand down: every v1 group has the controller's files.
  },
  limitFiles: (cores) => [
    ['cpu.cfs_period_us', String(CFS_PERIOD_US)],
    ['cpu.cfs_quota_us', String(quotaUs(cores))],
  ],
};
