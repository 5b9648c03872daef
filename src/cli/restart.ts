import { readFileSync } from 'node:fs';
import { loadConfig } from '../platform/config/load-config.js';
import { supervisorFile } from './start-topology.js';

/**
 * `scalestack restart <service> [--admin http://127.0.0.1:PORT]` (with ADMIN_TOKEN, or the
 * token in DATA_DIR/supervisor.json): a rolling
 * restart of every replica of the service in the running multi-process
 * topology (found through DATA_DIR/supervisor.json), one at a time, each
 * replacement serving before the old one drains.
 */
export async function restart(args: string[]): Promise<void> {
  const service = args.find((a) => !a.startsWith('--'));
  const adminFlag = args.indexOf('--admin');
  if (!service) {
    process.stderr.write('usage: scalestack restart <service> [--admin URL]\n');
    process.exit(2);
  }
  let adminUrl = adminFlag >= 0 ? args[adminFlag + 1] : undefined;
  const config = loadConfig();
  let adminToken = config.ADMIN_TOKEN;
  if (!adminUrl) {
    const file = supervisorFile(config.DATA_DIR);
    try {
      const running = JSON.parse(readFileSync(file, 'utf8')) as { adminUrl: string; adminToken?: string };
      adminUrl = running.adminUrl;
      adminToken ??= running.adminToken;
    } catch {
      process.stderr.write(`scalestack: no running multi-process topology (no ${file}); start one with --topology services or --workers N\n`);
      process.exit(1);
    }
  }
  const started = performance.now();
  const res = await fetch(`${adminUrl}/restart/${encodeURIComponent(service)}`, {
    method: 'POST',
    headers: adminToken ? { authorization: `Bearer ${adminToken}` } : {},
  });
  const body = (await res.json()) as { replaced?: string[]; error?: string };
  if (!res.ok) {
    process.stderr.write(`scalestack: restart ${service} failed: ${body.error ?? res.status}\n`);
    process.exit(1);
  }
  process.stdout.write(`restarted ${service} in ${Math.round(performance.now() - started)} ms: ${(body.replaced ?? []).join(', ')}\n`);
}
