/**
 * REMOTE_SERVICES: where a process finds the services it calls but does not
 * run, `identity=http://127.0.0.1:7001,http://127.0.0.1:7002;billing=...`.
 */
export function parseRemoteServices(text: string | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!text) return out;
  for (const entry of text.split(';').map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const urls = entry.slice(eq + 1).split(',').map((u) => u.trim()).filter(Boolean);
    if (eq < 1 || urls.length === 0) throw new Error(`REMOTE_SERVICES: "${entry}" is not name=url[,url...]`);
    for (const url of urls) new URL(url); // throws on a bad URL at start
    out.set(name, urls);
  }
  return out;
}

export function formatRemoteServices(services: Map<string, string[]>): string {
  return [...services].map(([name, urls]) => `${name}=${urls.join(',')}`).join(';');
}

/** SERVICES: the names this process runs; all of them when unset. */
export function localServiceNames(text: string | undefined, all: readonly string[]): string[] {
  if (!text) return [...all];
  const names = text.split(',');
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`SERVICES: unknown service(s) ${unknown.join(', ')}; known: ${all.join(', ')}`);
  return names;
}
