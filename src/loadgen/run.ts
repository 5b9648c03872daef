import { runEngine } from './engine.js';
import type { ArrivalProcess } from './arrivals.js';
import { progressLine } from './progress-line.js';
import { prng } from './random.js';
import type { LoadReport } from './report/report.js';
import { scenarios } from './scenarios/index.js';
import { ScenarioError } from './scenarios/scenario.js';
import { loadSeed } from './seed/seed-data.js';
import { expectedRequests, totalDurationMs, type Stage } from './stages.js';
import { checkThresholds, type MeasuredTotals, type Threshold } from './thresholds.js';

/** One `scalestack load` run, from options to a finished report (saving it is the caller's choice). */
export interface LoadOptions {
  scenario: string;
  target: string;
  stages: Stage[];
  arrival: ArrivalProcess;
  connections: number;
  timeoutMs: number;
  /** After the profile, how long requests on the wire may still answer (default min(timeoutMs, 5 s)). */
  graceMs?: number;
  thresholds: Threshold[];
  seedFile: string;
  path: string;
  randomSeed: number;
  /** Where the live line goes (stderr by default); null for none. */
  live?: NodeJS.WritableStream | null;
  /** Called when the first requests are due (the seed loaded, the connections open). */
  onStart?: () => void;
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const scenario = scenarios[options.scenario];
  if (!scenario) throw new ScenarioError(`unknown scenario "${options.scenario}" (one of ${Object.keys(scenarios).join(', ')})`);
  const seed = scenario.needsSeed ? await loadSeed(options.seedFile) : null;
  const random = prng(options.randomSeed);
  const next = scenario.prepare({ seed, random, path: options.path });
  const live = options.live === undefined ? process.stderr : options.live;
  const totalSeconds = totalDurationMs(options.stages) / 1000;
  const startedAt = new Date().toISOString();

  const result = await runEngine({
    target: options.target,
    stages: options.stages,
    arrival: options.arrival,
    connections: options.connections,
    timeoutMs: options.timeoutMs,
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    next,
    // Arrival times get their own stream, so the request mix is the same with constant and Poisson arrivals.
    random: prng(options.randomSeed ^ 0x5bd1e995),
    onInterval: (stats) => live?.write(`${progressLine(stats, totalSeconds)}\n`),
    ...(options.onStart ? { onStart: options.onStart } : {}),
  });

  const { recorder, durationMs } = result;
  const seconds = durationMs / 1000;
  const expected = expectedRequests(options.stages);
  const latency = recorder.overallSummary();
  const byType = recorder.typeTotals();
  // Thresholds see every due request: the timed out and never sent are requests (and errors) too.
  const due = recorder.completed + recorder.timedOut;
  const overall: MeasuredTotals = { latency, requests: due, errors: recorder.errors, rate: result.completedInWindow / seconds };
  const typeTotals: Record<string, MeasuredTotals> = {};
  for (const [type, t] of Object.entries(byType)) {
    typeTotals[type] = { latency: t.latency, requests: t.completed + t.timedOut, errors: t.errors, rate: t.completed / seconds };
  }
  return {
    version: 1,
    scenario: scenario.name,
    target: options.target,
    startedAt,
    settings: {
      stages: options.stages,
      arrival: options.arrival,
      connections: options.connections,
      timeoutMs: options.timeoutMs,
      graceMs: options.graceMs ?? null,
      randomSeed: options.randomSeed,
    },
    summary: {
      durationMs,
      expected: Math.round(expected),
      due,
      sent: recorder.sent,
      completed: recorder.completed,
      timedOut: recorder.timedOut,
      errors: recorder.errors,
      achievedRate: overall.rate,
      targetRate: expected / seconds,
      latency,
      sendLateness: recorder.sendLateness.summary(),
    },
    byType,
    errorReasons: recorder.errorReasons,
    errorSamples: recorder.errorSamples,
    timeline: recorder.timeline,
    thresholds: checkThresholds(options.thresholds, overall, typeTotals),
  };
}
