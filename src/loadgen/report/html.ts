import type { LatencySummary } from '../histogram.js';
import { msText, type LoadReport } from './report.js';
import { barChart, escapeXml, lineChart, type Series } from './svg-chart.js';

/**
 * The report as one self-contained HTML page: summary, thresholds, and SVG
 * charts of latency percentiles, throughput, errors and load over time, and
 * per request type. No scripts, no external resources, and a CSP that keeps
 * it so (a scenario name or error text in the page can never run as script).
 */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function renderHtml(report: LoadReport): string {
  const t = report.timeline;
  const x = (i: number) => t[i]!.endMs / 1000;
  const over = (f: (s: (typeof t)[number]) => number): Array<[number, number]> => t.map((s, i) => [x(i), f(s)]);
  const perSecond = (s: (typeof t)[number], n: number) => (s.endMs > s.startMs ? (n * 1000) / (s.endMs - s.startMs) : NaN);
  const types = Object.keys(report.byType);

  const latency = lineChart({
    title: 'Latency percentiles over time (from intended send time)',
    xLabel: 'seconds',
    yLabel: 'ms',
    series: (['p50', 'p90', 'p99', 'max'] as const).map((p, i) => ({ name: p, color: PALETTE[i]!, points: over((s) => s.latency[p]) })),
  });
  const throughput = lineChart({
    title: 'Throughput',
    xLabel: 'seconds',
    yLabel: 'requests/s',
    series: [
      { name: 'target', color: '#999', dashed: true, points: over((s) => s.targetRate) },
      { name: 'completed', color: PALETTE[0]!, points: over((s) => perSecond(s, s.completed)) },
      { name: 'sent', color: PALETTE[2]!, points: over((s) => perSecond(s, s.sent)) },
    ],
  });
  const errors = lineChart({
    title: 'Errors',
    xLabel: 'seconds',
    yLabel: 'errors/s',
    series: [
      { name: 'errors', color: PALETTE[3]!, points: over((s) => perSecond(s, s.errors)) },
      { name: 'timed out', color: PALETTE[1]!, points: over((s) => perSecond(s, s.timedOut)) },
    ],
  });
  const load = lineChart({
    title: 'In flight and backlog',
    xLabel: 'seconds',
    yLabel: 'requests',
    series: [
      { name: 'in flight', color: PALETTE[4]!, points: over((s) => s.inFlight) },
      { name: 'backlog', color: PALETTE[1]!, points: over((s) => s.backlog) },
    ],
  });
  const typeSeries: Series[] = types.map((type, i) => ({
    name: type,
    color: PALETTE[i % PALETTE.length]!,
    points: over((s) => s.byType[type]?.latency.p99 ?? NaN),
  }));
  const perTypeTime = lineChart({ title: 'p99 per request type', xLabel: 'seconds', yLabel: 'ms', series: typeSeries });
  const perTypeBars = barChart(
    'Latency per request type (whole run)',
    'ms',
    types.map((type) => ({
      label: type,
      values: (['p50', 'p99'] as const).map((p, i) => ({ name: p, value: report.byType[type]!.latency[p], color: PALETTE[i === 0 ? 0 : 2]! })),
    })),
  );

  const s = report.summary;
  const failed = report.thresholds.filter((r) => !r.ok);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<title>scalestack load: ${escapeXml(report.scenario)} ${escapeXml(report.startedAt)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:760px}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
.ok{color:#2a7d2a}.fail{color:#c62828;font-weight:bold}
svg.chart{display:block;margin:12px 0;background:#fff;border:1px solid #eee}
svg.chart text{font:11px system-ui,sans-serif;fill:#444}svg.chart .label{font-weight:bold}
svg.chart .grid{stroke:#eee}svg.chart .axis{stroke:#888}svg.chart path{fill:none;stroke-width:1.6}
</style></head><body>
<h1>${escapeXml(report.scenario)} → ${escapeXml(report.target)}</h1>
<p>${escapeXml(report.startedAt)} · ${(s.durationMs / 1000).toFixed(1)} s · ${escapeXml(report.settings.arrival)} arrivals ·
${report.settings.connections} connections · stages ${escapeXml(report.settings.stages.map((st) => `${st.kind} ${st.durationMs / 1000}s ${st.fromRate}→${st.toRate}/s`).join(', '))}</p>
<h2>Summary</h2>
<table><tr><th>due</th><th>sent</th><th>completed</th><th>timed out</th><th>errors (timeouts included)</th><th>target rate</th><th>achieved rate</th></tr>
<tr><td>${s.due}</td><td>${s.sent}</td><td>${s.completed}</td><td>${s.timedOut} (never sent ${s.due - s.sent})</td><td>${s.errors} (${pct(s.errors, s.due)})</td><td>${s.targetRate.toFixed(1)}/s</td><td>${s.achievedRate.toFixed(1)}/s</td></tr></table>
${lateness(s.sendLateness)}
${latencyTable([['all', s.completed, s.timedOut, s.errors, s.latency], ...types.map((ty) => [ty, report.byType[ty]!.completed, report.byType[ty]!.timedOut, report.byType[ty]!.errors, report.byType[ty]!.latency] as const)])}
${thresholdsHtml(report, failed.length)}
${errorsHtml(report)}
<h2>Charts</h2>
${latency}
${throughput}
${errors}
${load}
${perTypeTime}
${perTypeBars}
</body></html>
`;
}

/** The generator's own delay, on its own line: every latency in the tables includes it. Absent from older reports. */
function lateness(late: LatencySummary | undefined): string {
  if (!late) return '';
  return `<p class="lateness">Sent after their due time (the generator's own delay, in every latency below): p50 ${msText(late.p50)} ms, p99 ${msText(late.p99)} ms, max ${msText(late.max)} ms.</p>`;
}

function pct(n: number, of: number): string {
  return of === 0 ? '0%' : `${((100 * n) / of).toFixed(2)}%`;
}

function latencyTable(rows: ReadonlyArray<readonly [string, number, number, number, LatencySummary]>): string {
  const body = rows
    .map(([name, n, to, e, l]) => `<tr><td>${escapeXml(name)}</td><td>${n}</td><td>${to}</td><td>${e}</td>${[l.p50, l.p90, l.p99, l.p999, l.max].map((v) => `<td>${msText(v)}</td>`).join('')}</tr>`)
    .join('');
  return `<table><tr><th>request type</th><th>completed</th><th>timed out</th><th>errors</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>${body}</table>`;
}

function thresholdsHtml(report: LoadReport, failed: number): string {
  if (report.thresholds.length === 0) return '';
  const rows = report.thresholds
    .map((r) => `<tr><td>${escapeXml(r.text)}</td><td class="${r.ok ? 'ok' : 'fail'}">${r.ok ? 'held' : 'BROKEN'}</td><td>${escapeXml(r.actual)}</td></tr>`)
    .join('');
  return `<h2>Thresholds: <span class="${failed ? 'fail' : 'ok'}">${failed ? `${failed} broken` : 'all held'}</span></h2><table><tr><th>threshold</th><th>result</th><th>measured</th></tr>${rows}</table>`;
}

function errorsHtml(report: LoadReport): string {
  const reasons = Object.entries(report.errorReasons);
  if (reasons.length === 0) return '';
  const samples = Object.entries(report.errorSamples)
    .map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td style="text-align:left"><code>${escapeXml(v.slice(0, 200))}</code></td></tr>`)
    .join('');
  return `<h2>Errors</h2><table>${reasons.map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${v}</td></tr>`).join('')}</table><table>${samples}</table>`;
}
