/**
 * Shared by the Prometheus tests (tools/promtool*.test.ts): where the
 * binaries are (Debian's `prometheus` package: /usr/bin/prometheus and
 * /usr/bin/promtool; `npm test`'s set-up installs it, tools/setup-services.sh), where the deploy files are,
 * and the alert and metric names the rules and dashboards use.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PROMETHEUS_DIR = join(ROOT, 'deploy/prometheus');
export const RULE_FILES = ['rules/recording.yml', 'rules/alerts.yml'].map((f) => join(PROMETHEUS_DIR, f));
export const DASHBOARD_DIR = join(ROOT, 'deploy/grafana/dashboards');

/** The binary's path, or null when it is not installed. */
export function findBinary(name: 'promtool' | 'prometheus'): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat('/usr/bin')) {
    const path = join(dir, name);
    if (dir && existsSync(path)) return path;
  }
  return null;
}

export function missingReason(name: 'promtool' | 'prometheus'): string | null {
  return findBinary(name) ? null : `${name} is not installed (apt-get install prometheus)`;
}

/** Runs a binary; returns its combined output and exit status instead of throwing. */
export function run(binary: string, args: string[], cwd = PROMETHEUS_DIR): { status: number; output: string } {
  try {
    const output = execFileSync(binary, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, output };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** `- alert: Name` entries with their runbook_url (the rule files are plain YAML written by hand; no parser needed). */
export function alerts(): Array<{ name: string; runbook: string | undefined }> {
  const text = readFileSync(join(PROMETHEUS_DIR, 'rules/alerts.yml'), 'utf8');
  return text.split(/\n\s*- alert: /).slice(1).map((chunk) => ({
    name: chunk.split('\n')[0]!.trim(),
    runbook: /runbook_url: (\S+)/.exec(chunk)?.[1],
  }));
}

/** Every PromQL expression in the rules and the dashboards. */
export function expressions(): string[] {
  const exprs: string[] = [];
  for (const file of RULE_FILES) {
    // `expr: ...` on one line, or `expr: |` followed by an indented block.
    for (const m of readFileSync(file, 'utf8').matchAll(/expr: (\|\n((?:\s{10,}.*\n?)+)|.*)/g)) exprs.push(m[2] ?? m[1]!);
  }
  if (existsSync(DASHBOARD_DIR)) {
    for (const file of readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'))) {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as { panels?: Array<{ targets?: Array<{ expr?: string }> }> };
      for (const panel of dashboard.panels ?? []) for (const t of panel.targets ?? []) if (t.expr) exprs.push(t.expr);
    }
  }
  return exprs;
}

const PROMQL_WORDS = new Set([
  'sum', 'max', 'min', 'avg', 'count', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless',
  'rate', 'irate', 'increase', 'histogram_quantile', 'clamp_min', 'clamp_max', 'abs', 'topk', 'bottomk', 'offset', 'bool',
  'vector', 'scalar', 'time', 'label_replace', 'max_over_time', 'min_over_time', 'avg_over_time', 'delta', 'deriv', 'le', 'inf', 'nan',
]);

/** Metric names an expression reads: identifiers not inside {...} or [...], not quoted, not a PromQL word, not a label name after by/on. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    if (PROMQL_WORDS.has(word.toLowerCase()) || /^\d/.test(word)) continue;
    // Grafana's $__rate_interval and friends are variables, not metrics.
    if (bare[m.index! - 1] === '$') continue;
    names.add(word);
  }
  return [...names];
}

/** The names recording rules define. */
export function recordedNames(): Set<string> {
  const names = new Set<string>();
  for (const file of RULE_FILES) for (const m of readFileSync(file, 'utf8').matchAll(/- record: (\S+)/g)) names.add(m[1]!);
  return names;
}
