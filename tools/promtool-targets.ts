/**
 * Prometheus file_sd targets for a multi-process topology: every replica the
 * gateway knows (GET <gateway>/gateway/upstreams) and the gateway itself,
 * one target per process, so each is scraped on its own `instance`.
 *
 *   ADMIN_TOKEN=... node --import tsx tools/promtool-targets.ts <gateway-url> <out.json> [--every <seconds>]
 *
 * Workers listen on ports the supervisor picks; with --every the file is
 * rewritten (atomically) as replicas come and go, and Prometheus re-reads it.
 */
import { rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

interface Upstreams {
  services: Record<string, Array<{ url: string }>>;
}

/** One group per process: a worker serving several services appears once, with them all in `services`. */
export function targetGroups(gatewayUrl: string, upstreams: Upstreams): TargetGroup[] {
  const byProcess = new Map<string, string[]>();
  for (const [service, replicas] of Object.entries(upstreams.services)) {
    for (const { url } of replicas) {
      const host = new URL(url).host;
      byProcess.set(host, [...(byProcess.get(host) ?? []), service]);
    }
  }
  return [
    { targets: [new URL(gatewayUrl).host], labels: { role: 'gateway' } },
    ...[...byProcess].sort(([a], [b]) => a.localeCompare(b)).map(([host, services]) => ({
      targets: [host],
      labels: { role: 'worker', services: services.sort().join(',') },
    })),
  ];
}

async function writeOnce(gatewayUrl: string, out: string): Promise<number> {
  // The gateway lists its upstreams to an admin only (ADMIN_TOKEN, docs/adr/0018-internal-trust-and-admin.md).
  const token = process.env['ADMIN_TOKEN'];
  const res = await fetch(new URL('/gateway/upstreams', gatewayUrl), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`${gatewayUrl}/gateway/upstreams answered ${res.status}`);
  const groups = targetGroups(gatewayUrl, (await res.json()) as Upstreams);
  // Atomic: Prometheus never reads a half-written file.
  await writeFile(`${out}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
  await rename(`${out}.tmp`, out);
  return groups.length;
}

async function main(args: string[]): Promise<void> {
  const [gatewayUrl, out] = args;
  const everyAt = args.indexOf('--every');
  const every = everyAt >= 0 ? Number(args[everyAt + 1]) : 0;
  if (!gatewayUrl || !out || Number.isNaN(every)) {
    process.stderr.write('usage: tools/promtool-targets.ts <gateway-url> <out.json> [--every <seconds>]\n');
    process.exit(2);
  }
  for (;;) {
    try {
      process.stdout.write(`${out}: ${await writeOnce(gatewayUrl, out)} targets\n`);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      if (!every) process.exit(1);
    }
    if (!every) return;
    await new Promise((r) => setTimeout(r, every * 1000));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));
