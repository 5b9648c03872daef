import type { K8sObject } from './render.js';

interface Probe { httpGet?: { path?: string } }
interface Container {
  name: string;
  args?: string[];
  env?: Array<{ name: string }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: { readOnlyRootFilesystem?: boolean };
}
interface PodSpec { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } }

export interface CheckContext {
  /** Every environment variable of src/platform/config/schema.ts. */
  settings: ReadonlySet<string>;
  /** Paths the gateway process serves with GET, and paths every service process serves. */
  gatewayPaths: ReadonlySet<string>;
  servicePaths: ReadonlySet<string>;
}

const podSpecOf = (o: K8sObject): PodSpec | null => {
  const spec = o.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec ?? null;
};

const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/**
 * What the schemas cannot say: every setting the manifests give exists in the config schema, every probe
 * targets a route the code serves, every workload has requests/limits, three probes, a read-only root,
 * a PodDisruptionBudget and a Service, every autoscaler targets a workload (and never two autoscalers one),
 * and a default-deny NetworkPolicy is there. Returns one line per problem.
 */
export function checkManifests(objects: K8sObject[], context: CheckContext): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const workloads = objects.filter((o) => ['Deployment', 'Job'].includes(o.kind));
  for (const o of [...byKind('ConfigMap'), ...byKind('Secret')]) {
    for (const key of Object.keys({ ...o.data, ...o.stringData })) {
      if (!context.settings.has(key)) problems.push(`${o.kind}/${o.metadata.name}: ${key} is not a setting in src/platform/config/schema.ts`);
    }
  }
  for (const w of workloads) {
    const pod = podSpecOf(w);
    const id = `${w.kind}/${w.metadata.name}`;
    if (!pod) {
      problems.push(`${id}: no pod template`);
      continue;
    }
    if (!pod.securityContext?.runAsNonRoot) problems.push(`${id}: runAsNonRoot is not set`);
    for (const c of pod.containers) {
      for (const e of c.env ?? []) {
        if (!context.settings.has(e.name)) problems.push(`${id}: env ${e.name} is not a setting in src/platform/config/schema.ts`);
      }
      if (!c.resources?.requests?.['cpu'] || !c.resources.requests['memory'] || !c.resources.limits?.['memory']) {
        problems.push(`${id}: container ${c.name} needs cpu and memory requests and a memory limit`);
      }
      if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${id}: container ${c.name} root filesystem is writable`);
      if (w.kind !== 'Deployment') continue;
      const paths = c.args?.[0] === 'gateway' ? context.gatewayPaths : context.servicePaths;
      for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
        const path = c[kind]?.httpGet?.path;
        if (!path) problems.push(`${id}: container ${c.name} has no HTTP ${kind}`);
        else if (!paths.has(path)) problems.push(`${id}: ${kind} path ${path} is not a route of the ${c.args?.[0] === 'gateway' ? 'gateway' : 'service'} process`);
      }
    }
  }
  for (const d of byKind('Deployment')) {
    const labels = (d.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels;
    const selects = (o: K8sObject) => labelsMatch(
      (o.spec as { selector?: { matchLabels?: Record<string, string> } & Record<string, string> }).selector?.matchLabels ??
        (o.kind === 'Service' ? (o.spec as { selector?: Record<string, string> }).selector : undefined),
      labels,
    );
    if (!byKind('PodDisruptionBudget').some(selects)) problems.push(`Deployment/${d.metadata.name}: no PodDisruptionBudget selects it`);
    if (!byKind('Service').some(selects)) problems.push(`Deployment/${d.metadata.name}: no Service selects it`);
  }
  const deployments = new Set(byKind('Deployment').map((d) => d.metadata.name));
  const scaled = new Map<string, string>();
  for (const a of [...byKind('HorizontalPodAutoscaler'), ...byKind('ScaledObject')]) {
    const target = (a.spec as { scaleTargetRef?: { name?: string } }).scaleTargetRef?.name ?? '';
    if (!deployments.has(target)) problems.push(`${a.kind}/${a.metadata.name}: scales ${target || 'nothing'}, not a Deployment here`);
    if (scaled.has(target)) problems.push(`${a.kind}/${a.metadata.name}: ${target} is already scaled by ${scaled.get(target)}`);
    scaled.set(target, `${a.kind}/${a.metadata.name}`);
  }
  const denyAll = byKind('NetworkPolicy').some((p) => {
    const spec = p.spec as { podSelector?: Record<string, unknown>; policyTypes?: string[]; ingress?: unknown; egress?: unknown };
    return Object.keys(spec.podSelector ?? {}).length === 0 && !spec.ingress && !spec.egress && spec.policyTypes?.includes('Ingress') && spec.policyTypes.includes('Egress');
  });
  if (!denyAll) problems.push('no default-deny NetworkPolicy (ingress and egress)');
  for (const ing of byKind('Ingress')) {
    const backends = JSON.stringify(ing.spec).match(/"service":\{"name":"([^"]+)"/g) ?? [];
    for (const b of backends) {
      const name = /"name":"([^"]+)"/.exec(b)![1]!;
      if (name !== 'gateway') problems.push(`Ingress/${ing.metadata.name}: routes to ${name}; only the gateway is exposed`);
    }
  }
  return problems;
}

/** Settings of the schema that the objects never set and `unset` does not excuse. */
export function unsetSettings(objects: K8sObject[], settings: ReadonlySet<string>, unset: ReadonlySet<string>): string[] {
  const given = new Set<string>();
  for (const o of objects) {
    for (const key of Object.keys({ ...o.data, ...o.stringData })) given.add(key);
    for (const c of podSpecOf(o)?.containers ?? []) for (const e of c.env ?? []) given.add(e.name);
  }
  return [...settings].filter((s) => !given.has(s) && !unset.has(s));
}
