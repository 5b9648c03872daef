// The offline validation of everything under deploy/ (docs/deploy.md): the Kubernetes overlays rendered
// with kustomize and validated against the API's OpenAPI schemas, the Dockerfile linted, the compose file
// parsed and validated, every setting the manifests give checked against the config schema, every probe
// path against the routes the code serves. A broken fixture proves each check can fail.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigSchema } from '../src/platform/config/schema.js';
import { skipUnlessAvailable } from '../src/testing/services-required.js';
import { kubectlPath, renderKustomization, type K8sObject } from './deploy/render.js';
import { validateSchemas } from './deploy/validate-schemas.js';
import { checkManifests, unsetSettings, type CheckContext } from './deploy/check-manifests.js';
import { lintDockerfile } from './deploy/check-dockerfile.js';
import { checkCompose } from './deploy/check-compose.js';

const root = join(import.meta.dirname, '..');
const kubectl = kubectlPath(root);
const k8sOptions = skipUnlessAvailable(kubectl ? null : 'no kubectl: tools/setup-services.sh unpacks Debian\'s kubernetes-client into .tools/ (or set KUBECTL)');
const settings = new Set(Object.keys(ConfigSchema.properties));

/** GET routes registered in a source file: app.get('/path', ...). */
const getRoutes = (...files: string[]) =>
  new Set(files.flatMap((f) => [...readFileSync(join(root, f), 'utf8').matchAll(/app\.get\(\s*'([^']+)'/g)].map((m) => m[1]!)));
const context: CheckContext = {
  settings,
  gatewayPaths: getRoutes('src/gateway/status-route.ts'),
  servicePaths: getRoutes('src/platform/health/health-routes.ts'),
};

/** Every directory under deploy/k8s with a kustomization.yaml: base, keda/*, overlays/*. */
function kustomizations(dir = join(root, 'deploy/k8s')): string[] {
  const here = readdirSync(dir, { withFileTypes: true });
  return [
    ...(here.some((e) => e.name === 'kustomization.yaml') ? [dir] : []),
    ...here.filter((e) => e.isDirectory()).flatMap((e) => kustomizations(join(dir, e.name))),
  ];
}
const overlays = kustomizations().filter((d) => d.includes('/overlays/'));

describe('deploy/k8s: every overlay renders and validates offline', k8sOptions, () => {
  const rendered = new Map<string, K8sObject[]>();
  before(async () => {
    for (const dir of kustomizations()) rendered.set(dir.slice(root.length + 1), await renderKustomization(kubectl!, dir));
  });

  it('kustomize renders base, the KEDA variants and the dev, prod and mesh overlays', () => {
    assert.deepEqual(overlays.map((d) => d.split('/').at(-1)).sort(), ['dev', 'mesh-istio', 'prod']);
    for (const [dir, objects] of rendered) assert.ok(objects.length > 0, `${dir} rendered nothing`);
    const kinds = new Set([...rendered.values()].flat().map((o) => o.kind));
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress', 'NetworkPolicy', 'ConfigMap', 'Secret',
      'ScaledObject', 'ServiceMonitor', 'PrometheusRule', 'PeerAuthentication', 'DestinationRule', 'VirtualService']) {
      assert.ok(kinds.has(kind), `no ${kind} in any rendering`);
    }
  });

  it('every object of every rendering is valid against its OpenAPI schema (Kubernetes, KEDA, Prometheus Operator, Istio)', async () => {
    for (const [dir, objects] of rendered) assert.deepEqual(await validateSchemas(objects), [], dir);
  });

  it('every overlay passes the checks: settings exist, probes hit real routes, resources, PDBs, Services, autoscaler targets, default deny', () => {
    for (const dir of overlays) assert.deepEqual(checkManifests(rendered.get(dir.slice(root.length + 1))!, context), [], dir);
  });

  it('every setting of the config schema is given by the dev overlay or listed as deliberately unset', () => {
    const unset = JSON.parse(readFileSync(join(root, 'deploy/k8s/unset-settings.json'), 'utf8')) as Record<string, string>;
    for (const name of Object.keys(unset).filter((k) => !k.startsWith('$'))) assert.ok(settings.has(name), `unset-settings.json: ${name} is not a setting`);
    assert.deepEqual(unsetSettings(rendered.get('deploy/k8s/overlays/dev')!, settings, new Set(Object.keys(unset))), []);
  });

  it('the queue-depth scalers cover RabbitMQ, NATS and Redis, and target the bus worker', () => {
    const triggers = ['rabbitmq', 'nats', 'redis'].map((bus) => rendered.get(`deploy/k8s/keda/${bus}`)!.find((o) => o.kind === 'ScaledObject')!);
    assert.deepEqual(triggers.map((t) => (t.spec as { triggers: Array<{ type: string }> }).triggers[0]!.type), ['rabbitmq', 'nats-jetstream', 'redis']);
    for (const t of triggers) assert.equal((t.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name, 'social-worker');
  });

  it('the prod overlay takes its Secret from outside (no placeholder secrets), dev keeps them', () => {
    assert.equal(rendered.get('deploy/k8s/overlays/prod')!.filter((o) => o.kind === 'Secret').length, 0);
    assert.equal(rendered.get('deploy/k8s/overlays/dev')!.filter((o) => o.kind === 'Secret').length, 1);
  });

  it('the PrometheusRule carries exactly the rules of deploy/prometheus/rules (node tools/k8s-prometheusrule.mjs)', () => {
    const groups = ['recording', 'alerts'].flatMap((f) => (parse(readFileSync(join(root, `deploy/prometheus/rules/${f}.yml`), 'utf8')) as { groups: unknown[] }).groups);
    const rule = rendered.get('deploy/k8s/base')!.find((o) => o.kind === 'PrometheusRule')!;
    assert.deepEqual((rule.spec as { groups: unknown[] }).groups, groups);
  });

  it('the broken fixture fails: a schema error, an unknown setting, a probe on no route, a dangling autoscaler, no PDB, no default deny', async () => {
    const objects = await renderKustomization(kubectl!, join(root, 'tools/deploy/fixtures/broken'));
    const schema = await validateSchemas(objects);
    assert.ok(schema.some((p) => p.startsWith('Deployment/social:') && /replicas must be integer/.test(p)), schema.join('\n'));
    const problems = checkManifests(objects, context);
    for (const expected of [
      'Deployment/social: env DATABSE_URL is not a setting',
      'Deployment/social: livenessProbe path /health is not a route',
      'HorizontalPodAutoscaler/social: scales socail, not a Deployment here',
      'Deployment/social: no PodDisruptionBudget selects it',
      'no default-deny NetworkPolicy',
    ]) assert.ok(problems.some((p) => p.startsWith(expected)), `${expected}\nnot in:\n${problems.join('\n')}`);
  });
});

describe('the image and compose files', () => {
  it('the Dockerfile passes dockerfile-utils and the image rules; a bad one fails each rule', () => {
    assert.deepEqual(lintDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8')), []);
    const bad = lintDockerfile('FROM node:latest\nADD . /app\nRUN npm install\nEXPOSE abc\nCMD node src/cli/main.ts start\n');
    for (const rule of ['a single stage', 'pin the base image', 'runs as root', 'no HEALTHCHECK', 'no STOPSIGNAL', 'exec form', 'use COPY', 'npm ci', 'Invalid containerPort']) {
      assert.ok(bad.some((p) => p.includes(rule)), `${rule} not in:\n${bad.join('\n')}`);
    }
  });

  it('the image\'s final stage holds what `npm start` serves: the bundle, the web client at / and the embedded database\'s base', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(runtime, /^COPY --from=deps \S+ \/app\/build \.\/build$/m);
    // Without it / answered 503 "web client (not built)" in the image.
    assert.match(runtime, /^COPY --from=deps \S+ \/app\/web\/dist \.\/web\/dist$/m);
    assert.match(runtime, /^RUN node build\/cli\/main\.js migrate --embedded-base/m);
    assert.match(runtime, /^ENV PGLITE_BASE_DIR=/m);
  });

  it('deploy/compose.yaml is a valid Compose file whose scalestack containers get only real settings; the broken one fails', () => {
    assert.deepEqual(checkCompose(join(root, 'deploy/compose.yaml'), settings), []);
    const broken = checkCompose(join(root, 'tools/deploy/fixtures/broken/compose.yaml'), settings);
    assert.ok(broken.some((p) => p.includes('additional properties (enviroment)')), broken.join('\n'));
    assert.ok(broken.some((p) => p.includes('GATEWAY_UPSTREAM is not a setting')), broken.join('\n'));
  });

  it('compose runs every scalestack process from the one image, with readiness health checks and a read-only root', () => {
    const compose = parse(readFileSync(join(root, 'deploy/compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { image?: string; read_only?: boolean; healthcheck?: { test: string[] } }> };
    const ours = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('scalestack'));
    assert.deepEqual(ours.map(([n]) => n).sort(), ['gateway', 'identity', 'migrate', 'social']);
    for (const [name, s] of ours) {
      assert.equal(s.image, 'scalestack:local', name);
      assert.equal(s.read_only, true, name);
    }
    for (const name of ['identity', 'social']) assert.match(compose.services[name]!.healthcheck!.test.join(' '), /\/readyz/);
    for (const dep of ['postgres', 'postgres-replica', 'pgbouncer', 'redis', 'rabbitmq', 'prometheus', 'grafana', 'otel-collector']) assert.ok(compose.services[dep], dep);
  });
});
