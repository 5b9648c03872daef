// Writes deploy/k8s/base/prometheusrule.yaml from deploy/prometheus/rules/{recording,alerts}.yml, so the
// Prometheus Operator gets exactly the rules promtool tests (deploy/deploy.test.ts fails when they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const groups = ['recording', 'alerts'].flatMap((f) => parse(readFileSync(`deploy/prometheus/rules/${f}.yml`, 'utf8')).groups);
const rule = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'scalestack', labels: { 'app.kubernetes.io/part-of': 'scalestack' } },
  spec: { groups },
};
writeFileSync(
  'deploy/k8s/base/prometheusrule.yaml',
  '# Generated from deploy/prometheus/rules/{recording,alerts}.yml (the offline suite fails when they differ):\n' +
    '# node tools/k8s-prometheusrule.mjs\n' +
    stringify(rule, { lineWidth: 0 }),
);
