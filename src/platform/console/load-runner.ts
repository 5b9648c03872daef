import { scenarios } from '../../loadgen/scenarios/index.js';
import { prng } from '../../loadgen/random.js';

export interface LoadTick {
  /** Seconds since the run started. */
  at: number;
  rate: number;
  errors: number;
  /** Milliseconds, over the interval's responses (measured from each request's intended time). */
  p99: number;
}

export interface LoadRun {
  id: string;
  path: string;
  rate: number;
  seconds: number;
  startedAt: number;
  ticks: LoadTick[];
  done: boolean;
  summary?: { completed: number; errors: number; p99: number };
}

/**
 * The console's load panel: the load lab's open-model engine (src/loadgen) aimed at this process,
 * with the `get` scenario on one API path (no seed data needed). One run at a time per process.
 */
export class LoadRunner {
  current: LoadRun | undefined;
  private listeners: ((run: LoadRun, tick?: LoadTick) => void)[] = [];

  constructor(private readonly target: () => string) {}

  running(): boolean {
    return this.current !== undefined && !this.current.done;
  }

  onUpdate(listener: (run: LoadRun, tick?: LoadTick) => void): void {
    this.listeners.push(listener);
  }

  start(options: { path: string; rate: number; seconds: number }): LoadRun {
    const run: LoadRun = { id: `load-${Date.now()}`, ...options, startedAt: Date.now(), ticks: [], done: false };
    this.current = run;
    const scenario = scenarios['get']!;
    // The engine (and undici under it) is loaded on the first run: a process nobody loads from the console does not hold it.
    void import('../../loadgen/engine.js')
      .then(({ runEngine }) => runEngine({
        target: this.target(),
        stages: [{ kind: 'steady', durationMs: options.seconds * 1000, fromRate: options.rate, toRate: options.rate }],
        arrival: 'constant',
        connections: 16,
        timeoutMs: 5_000,
        graceMs: 2_000,
        next: scenario.prepare({ seed: null, random: prng(1), path: options.path }),
        onInterval: (stats) => {
          const seconds = Math.max(0.001, (stats.endMs - stats.startMs) / 1000);
          const tick = { at: stats.endMs / 1000, rate: stats.completed / seconds, errors: stats.errors, p99: stats.latency.p99 };
          run.ticks.push(tick);
          this.emit(run, tick);
        },
      }))
      .then(({ recorder }) => {
        run.summary = { completed: recorder.completed, errors: recorder.errors, p99: recorder.overallSummary().p99 };
      })
      .catch(() => {
        run.summary = { completed: 0, errors: 1, p99: 0 };
      })
      .finally(() => {
        run.done = true;
        this.emit(run);
      });
    return run;
  }

  private emit(run: LoadRun, tick?: LoadTick): void {
    for (const listener of this.listeners) listener(run, tick);
  }
}
