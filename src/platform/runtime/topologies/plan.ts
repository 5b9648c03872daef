/**
 * What `scalestack start` runs, from its options:
 *   (none) / --topology embedded     one process, every service (today's shape)
 *   --topology services [--replicas social=2,identity=1]
 *                                    the gateway + each service in its own process(es)
 *   --workers N                      the gateway + N all-in-one workers
 *   --topology services --autoscale  replicas added and removed by the local autoscaler (autoscale/)
 */
export type Plan =
  | { kind: 'embedded' }
  | { kind: 'services'; replicas: Map<string, number>; autoscale?: boolean }
  | { kind: 'workers'; workers: number };

export class PlanError extends Error {
  override name = 'PlanError';
}

export function parsePlan(args: readonly string[], services: readonly string[]): Plan {
  let topology: string | undefined;
  let replicas: string | undefined;
  let workers: string | undefined;
  let autoscale = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : (args[++i] ?? ''));
    if (flag === '--topology') topology = value();
    else if (flag === '--replicas') replicas = value();
    else if (flag === '--workers') workers = value();
    else if (arg === '--autoscale') autoscale = true;
    else throw new PlanError(`unknown option "${args[i]}"`);
  }
  if (autoscale && topology !== 'services') throw new PlanError('--autoscale goes with --topology services');
  if (workers !== undefined) {
    if (topology !== undefined && topology !== 'workers') throw new PlanError('--workers goes with --topology workers (or alone)');
    const n = Number(workers);
    if (!Number.isInteger(n) || n < 1 || n > 64) throw new PlanError(`--workers ${workers}: a whole number from 1 to 64`);
    return { kind: 'workers', workers: n };
  }
  if (topology === undefined || topology === 'embedded') {
    if (replicas !== undefined) throw new PlanError('--replicas needs --topology services');
    return { kind: 'embedded' };
  }
  if (topology === 'workers') return { kind: 'workers', workers: 2 };
  if (topology !== 'services') throw new PlanError(`--topology ${topology}: one of embedded, services, workers`);
  const counts = new Map(services.map((s) => [s, 1]));
  for (const entry of (replicas ?? '').split(',').filter(Boolean)) {
    const [name, count] = entry.split('=');
    const n = Number(count);
    if (!name || !counts.has(name)) throw new PlanError(`--replicas ${entry}: unknown service; known: ${services.join(', ')}`);
    if (!Number.isInteger(n) || n < 1 || n > 32) throw new PlanError(`--replicas ${entry}: a whole number from 1 to 32`);
    counts.set(name, n);
  }
  return autoscale ? { kind: 'services', replicas: counts, autoscale } : { kind: 'services', replicas: counts };
}
