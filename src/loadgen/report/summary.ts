import { msText, type LoadReport } from './report.js';

/** The plain-text result printed when a run ends. */
export function summaryText(report: LoadReport): string {
  const s = report.summary;
  const row = (name: string, n: number, to: number, e: number, l: typeof s.latency) =>
    `${name.padEnd(18)} ${String(n).padStart(9)} ${String(to).padStart(9)} ${String(e).padStart(7)} ${[l.p50, l.p90, l.p99, l.p999, l.max].map((v) => msText(v).padStart(9)).join(' ')}`;
  const lines = [
    `scenario ${report.scenario} → ${report.target}: ${(s.durationMs / 1000).toFixed(1)} s, target ${s.targetRate.toFixed(1)} req/s, achieved ${s.achievedRate.toFixed(1)} req/s`,
    `due ${s.due}, sent ${s.sent}, completed ${s.completed}, timed out ${s.timedOut} (never sent ${s.due - s.sent}), errors ${s.errors} (timeouts included)`,
    ...(s.sendLateness ? [`sent after their due time (the generator's own delay, in every latency): p50 ${msText(s.sendLateness.p50)} ms, p99 ${msText(s.sendLateness.p99)} ms, max ${msText(s.sendLateness.max)} ms`] : []),
    '',
    `${'type'.padEnd(18)} ${'completed'.padStart(9)} ${'timed out'.padStart(9)} ${'errors'.padStart(7)} ${['p50', 'p90', 'p99', 'p99.9', 'max'].map((h) => `${h} ms`.padStart(9)).join(' ')}`,
    row('all', s.completed, s.timedOut, s.errors, s.latency),
    ...Object.entries(report.byType).map(([type, t]) => row(type, t.completed, t.timedOut, t.errors, t.latency)),
  ];
  const reasons = Object.entries(report.errorReasons);
  if (reasons.length > 0) lines.push('', `errors: ${reasons.map(([k, v]) => `${k} ×${v}`).join(', ')}`);
  if (report.thresholds.length > 0) {
    lines.push('');
    for (const t of report.thresholds) lines.push(`threshold ${t.text}: ${t.ok ? 'held' : 'BROKEN'} (measured ${t.actual})`);
  }
  return lines.join('\n');
}
