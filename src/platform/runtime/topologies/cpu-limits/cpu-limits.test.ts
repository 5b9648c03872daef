import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessAvailable } from '../../../../testing/services-required.js';
import { cpuGroupOf, cpuLimitUnavailable, cpuSeconds } from '../../../../testing/proc-cgroups.js';
import { openCgroupTree } from './cgroup-tree.js';
import { cgroupV1 } from './cgroup-v1.js';
import { cgroupV2 } from './cgroup-v2.js';
import { CpuLimitUnavailable, type CpuLimiter } from './cpu-limiter.js';
import { findCpuController, findHostCpuController, openCpuLimiter } from './open-cpu-limiter.js';

const exists = (path: string) => stat(path).then(() => true, () => false);

describe('cpu limits: where the cpu controller is', () => {
  const none = async () => '';
  it('a v1 hierarchy with the cpu controller (alone or with cpuacct) is chosen, before a v2 mount that has no controllers (a hybrid host)', async () => {
    const hybrid = [
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0',
      'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0',
      'cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0',
    ].join('\n');
    const found = await findCpuController(hybrid, async () => 'cpu io memory');
    assert.equal(found?.version, cgroupV1);
    assert.equal(found?.mount, '/sys/fs/cgroup/cpu,cpuacct');
  });

  it('cpuset and cpuacct are not the cpu controller', async () => {
    const found = await findCpuController('cgroup /a cgroup rw,cpuset 0 0\ncgroup /b cgroup rw,cpuacct 0 0', none);
    assert.equal(found, null);
  });

  it('on a v2-only host, the cgroup2 mount whose cgroup.controllers lists cpu; a path with a space is unescaped', async () => {
    const asked: string[] = [];
    const found = await findCpuController('cgroup2 /sys/fs/my\\040cgroup cgroup2 rw 0 0', async (mount) => {
      asked.push(mount);
      return 'cpuset cpu io memory pids\n';
    });
    assert.equal(found?.version, cgroupV2);
    assert.equal(found?.mount, '/sys/fs/my cgroup');
    assert.deepEqual(asked, ['/sys/fs/my cgroup']);
    assert.equal(await findCpuController('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0', async () => 'cpuset io memory'), null);
  });
});

describe('cpu limits: what is written for each cgroup version', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  // A directory standing in for cgroupfs records the writes (the kernel's own answer is the test below, on this host's controller).
  async function fakeMount(owner: number): Promise<string> {
    const mount = await mkdtemp(join(tmpdir(), 'fake-cgroupfs-'));
    dirs.push(mount);
    await writeFile(join(mount, 'cgroup.subtree_control'), 'memory');
    await mkdir(join(mount, `scalestack-${owner}`));
    await writeFile(join(mount, `scalestack-${owner}`, 'cgroup.subtree_control'), '');
    return mount;
  }

  it('v2: the root and the supervisor group hand cpu down; a replica gets cpu.max "quota period" and its pid in cgroup.procs', async () => {
    const mount = await fakeMount(process.pid);
    const limiter = await openCgroupTree(cgroupV2, mount, 0.25);
    assert.equal(await readFile(join(mount, 'cgroup.subtree_control'), 'utf8'), '+cpu');
    const group = join(mount, `scalestack-${process.pid}`);
    assert.equal(await readFile(join(group, 'cgroup.subtree_control'), 'utf8'), '+cpu');
    await limiter.confine('social-1', 4242);
    assert.equal(await readFile(join(group, 'social-1', 'cpu.max'), 'utf8'), '25000 100000');
    assert.equal(await readFile(join(group, 'social-1', 'cgroup.procs'), 'utf8'), '4242');
  });

  it('v1: period 100 ms and the quota in cpu.cfs_quota_us; a limit under the kernel floor is held at 1 ms', () => {
    assert.deepEqual(cgroupV1.limitFiles(0.3), [['cpu.cfs_period_us', '100000'], ['cpu.cfs_quota_us', '30000']]);
    assert.deepEqual(cgroupV1.limitFiles(0.001), [['cpu.cfs_period_us', '100000'], ['cpu.cfs_quota_us', '1000']]);
    assert.deepEqual(cgroupV2.limitFiles(1.5), [['cpu.max', '150000 100000']]);
  });

  it("a group left by a supervisor that is gone is removed at the next start; a live one's is not", async () => {
    const mount = await fakeMount(process.pid);
    // Plain directories (the fake's control files would keep rmdir from removing them): one of a pid no process has, one of this process' parent.
    await mkdir(join(mount, 'scalestack-999999999', 'social-1'), { recursive: true });
    await mkdir(join(mount, `scalestack-${process.ppid}`));
    await openCgroupTree(cgroupV1, mount, 0.5).catch(() => {});
    assert.equal(await exists(join(mount, 'scalestack-999999999')), false);
    assert.equal(await exists(join(mount, `scalestack-${process.ppid}`)), true);
  });

  it('a cgroupfs this process may not write is a CpuLimitUnavailable that says what to do', async () => {
    const err = await openCgroupTree(cgroupV1, '/proc/1/no-such-cgroupfs', 0.5).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof CpuLimitUnavailable, String(err));
    assert.match(err.message, /^REPLICA_CPU_LIMIT: cannot create \/proc\/1\/no-such-cgroupfs\/scalestack-\d+/);
  });
});

describe('cpu limits: the kernel holds a confined process to its share', async () => {
  const reason = await cpuLimitUnavailable();
  const children: ChildProcess[] = [];
  let limiter: CpuLimiter | null = null;
  after(async () => {
    for (const child of children) child.kill('SIGKILL');
    await limiter?.close().catch(() => {});
  });

  it('a busy loop confined to 0.2 core uses at most 0.2 of the wall time, is throttled, and its group is removed on release and close', skipUnlessAvailable(reason), async () => {
    limiter = await openCpuLimiter(0.2);
    const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    const pid = child.pid!;
    await limiter.confine('busy-1', pid);
    const group = await cpuGroupOf(pid);
    assert.match(group, new RegExp(`/scalestack-${process.pid}/busy-1$`));

    const cpuBefore = (await cpuSeconds(pid))!;
    const wallBefore = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const cpu = (await cpuSeconds(pid))! - cpuBefore;
    const wall = (performance.now() - wallBefore) / 1000;
    // The quota is a ceiling the kernel keeps per 100 ms period: at most 0.2 of the window, plus one period's worth and a tick of accounting.
    assert.ok(cpu <= 0.2 * wall + 0.03, `confined loop used ${cpu.toFixed(2)} s of CPU in ${wall.toFixed(2)} s`);
    const { mount } = (await findHostCpuController())!;
    const cpuStat = await readFile(join(mount, `scalestack-${process.pid}`, 'busy-1', 'cpu.stat'), 'utf8');
    assert.ok(Number(/nr_throttled (\d+)/.exec(cpuStat)?.[1]) > 0, cpuStat);

    child.kill('SIGKILL');
    await once(child, 'exit');
    await limiter.release('busy-1');
    assert.equal(await exists(join(mount, `scalestack-${process.pid}`, 'busy-1')), false);
    await limiter.close();
    limiter = null;
    assert.equal(await exists(join(mount, `scalestack-${process.pid}`)), false);
  });
});
