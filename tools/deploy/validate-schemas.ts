import type { K8sObject } from './render.js';

/**
 * Validates each object against the OpenAPI schema of its kind, from maintained npm packages:
 * kubernetes-models (the Kubernetes API), @kubernetes-models/keda, /prometheus-operator, /istio (CRDs).
 * A kind with no package here is a problem, not a pass: add its models or list it in `unvalidated`.
 */
const PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
};

type Model = new (data: unknown) => { validate(): void };

async function modelFor(apiVersion: string, kind: string): Promise<Model | null> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = PACKAGES[group!] ?? 'kubernetes-models';
  const path = group ? `${pkg}/${group}/${version}/${kind}` : `${pkg}/${version}/${kind}`;
  try {
    const module = (await import(path)) as Record<string, Model>;
    return module[kind] ?? null;
  } catch {
    return null;
  }
}

export async function validateSchemas(objects: K8sObject[], unvalidated: ReadonlySet<string> = new Set()): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const id = `${object.kind}/${object.metadata?.name}`;
    if (unvalidated.has(`${object.apiVersion}/${object.kind}`)) continue;
    const model = await modelFor(object.apiVersion, object.kind);
    if (!model) {
      problems.push(`${id}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message}`);
    }
  }
  return problems;
}
