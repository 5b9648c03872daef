import { readFile } from 'node:fs/promises';

/** A process's resident memory in MB, from /proc (Linux); undefined elsewhere or once it has exited. */
export async function rssMb(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
}

/** The resident memory of several processes together (nginx's master and worker), MB; undefined if none is readable. */
export async function totalRssMb(pids: readonly number[]): Promise<number | undefined> {
  const each = (await Promise.all(pids.map(rssMb))).filter((v): v is number => v !== undefined);
  return each.length === 0 ? undefined : each.reduce((a, b) => a + b, 0);
}
