import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExperimentError, loadExperiment } from '../chaos/experiment.js';
import { runExperiment, type ExperimentReport } from '../chaos/run-experiment.js';
import { PACKAGE_ROOT } from '../platform/runtime/app-paths.js';

const USAGE = `usage: scalestack chaos <experiment> [--json]

Runs a chaos experiment written as a file (deploy/chaos/<name>.yaml, or a path): starts its own system
(and its own Redis, broker and TCP fault proxy, never shared servers) on DATABASE_URL, checks the
steady-state hypothesis under load, injects the faults, checks it during, rolls back, checks it after.
Exit 0 when the hypothesis held, 1 when it did not, 2 on a bad experiment file.

experiments: replica-kill-9, replica-kill-9-no-retries, replica-sigstop, redis-down, redis-latency,
             redis-resets, broker-restart (docs/deploy.md#chaos)
`;

export function formatReport(r: ExperimentReport): string {
  const w = (label: string, v: ExperimentReport['before'] | null) =>
    v ? `  ${label.padEnd(7)} ${v.held ? 'held  ' : 'BROKEN'} ${String(v.requests).padStart(5)} requests, ${(v.errorRate * 100).toFixed(2)}% errors, p99 ${v.p99Ms} ms` : `  ${label.padEnd(7)} not run`;
  return [
    `${r.name}: ${r.title}`,
    `  hypothesis: errors <= ${(r.hypothesis.maxErrorRate * 100).toFixed(2)}%, p99 <= ${r.hypothesis.maxP99Ms} ms${r.hypothesis.feedExactlyOnce ? ', every event applied exactly once' : ''}`,
    w('before', r.before),
    w('during', r.during),
    w('after', r.after),
    ...(r.feed ? [`  feed    ${r.feed.found}/${r.feed.expected} articles, ${r.feed.duplicates} duplicates (${r.writes.failed} posts failed)`] : []),
    `  result: ${r.held ? 'HYPOTHESIS HELD' : `HYPOTHESIS NOT HELD: ${r.verdict}`}`,
  ].join('\n');
}

export async function chaos(args: string[]): Promise<void> {
  const name = args.find((a) => !a.startsWith('-'));
  if (!name || args.includes('--help')) {
    process.stdout.write(USAGE);
    process.exit(name ? 0 : 2);
  }
  const path = existsSync(name) ? resolve(name) : join(PACKAGE_ROOT, 'deploy', 'chaos', `${name}.yaml`);
  let experiment;
  try {
    experiment = loadExperiment(path);
  } catch (err) {
    process.stderr.write(`scalestack chaos: ${err instanceof ExperimentError ? err.message : (err as Error).message}\n`);
    process.exit(2);
  }
  const databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    process.stderr.write('scalestack chaos: DATABASE_URL (a real Postgres) is required: the experiment\'s system runs several processes on it\n');
    process.exit(2);
  }
  const report = await runExperiment(experiment, databaseUrl, (line) => process.stderr.write(`chaos: ${line}\n`));
  process.stdout.write(args.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  process.exit(report.held ? 0 : 1);
}
