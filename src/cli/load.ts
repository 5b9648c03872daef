import { parseArgs } from 'node:util';
import { runLoad } from '../loadgen/run.js';
import { saveReport } from '../loadgen/report/save.js';
import { summaryText } from '../loadgen/report/summary.js';
import { scenarios } from '../loadgen/scenarios/index.js';
import { defaultSeedFile } from '../loadgen/seed/seed-data.js';
import { parseDuration, parseStages, type Stage } from '../loadgen/stages.js';
import { parseThreshold } from '../loadgen/thresholds.js';

/** Exit codes: thresholds broken (k6's 99, so CI can tell "slow" from "crashed"), bad usage. */
export const EXIT_THRESHOLDS = 99;
export const EXIT_USAGE = 2;

const HELP = `usage: scalestack load --scenario <name> [--rate R --duration D | --stage kind:dur:rate ...] [options]

  --scenario <name>     ${Object.values(scenarios).map((s) => s.name).join(' | ')}
  --rate <req/s>        constant arrival rate (with --duration; default 100)
  --duration <d>        e.g. 60s, 2m (default 30s)
  --stage <spec>        repeatable, replaces --rate/--duration: ramp:10s:0-500, steady:60s:500,
                        spike:5s:2000, soak:10m:300 (a ramp with one rate starts from the previous stage)
  --poisson             Poisson arrivals instead of evenly spaced ones
  --threshold <rule>    repeatable: p99<200ms, errors<1%, rate>=450, p99{feed}<300ms; any broken
                        threshold exits ${EXIT_THRESHOLDS}
  --target <url>        default $TARGET or http://127.0.0.1:8080
  --connections <n>     keep-alive connections (default 64)
  --timeout <d>         per request (default 10s)
  --grace <d>           after the profile, how long requests on the wire may still answer
                        before they count as timed out (default: the timeout, at most 5s)
  --seed-file <path>    what \`scalestack seed\` wrote (default ${defaultSeedFile()})
  --path <path>         for --scenario get (default /)
  --random-seed <n>     request mix and Poisson draws (default 1)
  --reports-dir <dir>   default reports
  --quiet               no live progress line

Latency is measured from each request's intended send time (open model), so
stalls are not hidden. Every due request counts: one never sent, or not
answered within the grace period, is a timeout from its due time. Writes <reports-dir>/load-<scenario>-<time>.{json,html}.
`;

export async function load(args: string[]): Promise<void> {
  let values;
  let stages: Stage[];
  let thresholds;
  let connections: number;
  let timeoutMs: number;
  let graceMs: number | undefined;
  let randomSeed: number;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        scenario: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        stage: { type: 'string', multiple: true },
        poisson: { type: 'boolean', default: false },
        threshold: { type: 'string', multiple: true },
        target: { type: 'string' },
        connections: { type: 'string', default: '64' },
        timeout: { type: 'string', default: '10s' },
        grace: { type: 'string' },
        'seed-file': { type: 'string' },
        path: { type: 'string', default: '/' },
        'random-seed': { type: 'string', default: '1' },
        'reports-dir': { type: 'string', default: 'reports' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
    if (values.help) {
      process.stdout.write(HELP);
      return;
    }
    if (!values.scenario) throw new Error('--scenario is required');
    if (values.stage?.length && (values.rate || values.duration)) throw new Error('use either --stage or --rate/--duration, not both');
    stages = values.stage?.length ? parseStages(values.stage) : parseStages([`steady:${values.duration ?? '30s'}:${values.rate ?? '100'}`]);
    thresholds = (values.threshold ?? []).map(parseThreshold);
    connections = positiveInt('--connections', values.connections);
    randomSeed = positiveInt('--random-seed', values['random-seed']);
    timeoutMs = parseDuration(values.timeout);
    graceMs = values.grace === undefined ? undefined : parseDuration(values.grace);
  } catch (err) {
    process.stderr.write(`scalestack load: ${(err as Error).message}\n\n${HELP}`);
    process.exit(EXIT_USAGE);
  }

  let report;
  try {
    report = await runLoad({
      scenario: values.scenario,
      target: values.target ?? process.env['TARGET'] ?? 'http://127.0.0.1:8080',
      stages,
      arrival: values.poisson ? 'poisson' : 'constant',
      connections,
      timeoutMs,
      ...(graceMs !== undefined ? { graceMs } : {}),
      thresholds,
      seedFile: values['seed-file'] ?? defaultSeedFile(),
      path: values.path,
      randomSeed,
      live: values.quiet ? null : process.stderr,
    });
  } catch (err) {
    process.stderr.write(`scalestack load: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const files = await saveReport(values['reports-dir'], report);
  process.stdout.write(`${summaryText(report)}\n\nreport: ${files.html}\n        ${files.json}\n`);
  const broken = report.thresholds.filter((t) => !t.ok);
  if (broken.length > 0) {
    process.stderr.write(`scalestack load: ${broken.length} threshold${broken.length > 1 ? 's' : ''} broken: ${broken.map((t) => `${t.text} (measured ${t.actual})`).join('; ')}\n`);
    process.exitCode = EXIT_THRESHOLDS;
  }
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} must be a positive integer, not "${text}"`);
  return n;
}
