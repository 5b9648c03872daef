import { Worker } from 'node:worker_threads';
import type { LoadOptions } from '../../src/loadgen/run.js';
import type { LoadReport } from '../../src/loadgen/report/report.js';

/** What crosses to the worker: LoadOptions without functions or streams (a worker writes its live lines to stderr itself). */
export type WorkerLoadOptions = Omit<LoadOptions, 'live' | 'onStart'> & { live: boolean };

/** What the bench asks of the worker: a run, or to finish. */
export type WorkerRequest = { type: 'run'; options: WorkerLoadOptions } | { type: 'close' };

/** What the worker posts for a run: that its clock started, then its report, or why it failed. */
export type WorkerMessage = { type: 'started' } | { type: 'report'; report: LoadReport } | { type: 'failed'; error: string };

/**
 * `runLoad` on a worker thread of its own: the open-model generator then has an event loop and a heap to
 * itself. On the bench's own thread it shared both with what the bench does meanwhile (a phase's other
 * requests, scrapes, the probe's queries): seen on 2026-12-04, a 20 ms collection of the bench's heap sent feed
 * reads 13-29 ms late, and their latencies, timed from when they were due, counted the generator's pause as
 * the system's.
 *
 * One worker runs a bench's loads one after another, so only the first pays for the worker's start (about a
 * second of CPU: its modules, undici's HTTP parser compiled) and the later ones run on code V8 has already
 * optimised. A worker per load started that second on a 2-core machine just before each measured phase, beside
 * the system it measures, and timed the phase's first requests with a cold generator (docs/perf/results.md,
 * "No mark-compact in any settled phase; one load worker per strategy").
 */
export class LoadWorker {
  private readonly worker = new Worker(new URL('./load-worker.mjs', import.meta.url));
  private running: { resolve: (report: LoadReport) => void; reject: (err: Error) => void; onStart: (() => void) | undefined } | undefined;
  private gone: Error | undefined;

  constructor() {
    this.worker.on('message', (message: WorkerMessage) => {
      const run = this.running;
      if (!run) return;
      if (message.type === 'started') return run.onStart?.();
      this.running = undefined;
      if (message.type === 'report') run.resolve(message.report);
      else run.reject(new Error(`load worker: ${message.error}`));
    });
    const end = (err: Error) => {
      this.gone ??= err;
      this.running?.reject(err);
      this.running = undefined;
    };
    this.worker.once('error', end);
    this.worker.once('exit', (code) => end(new Error(`load worker exited with code ${code}`)));
  }

  /** One load, timed on the worker; `onStart` runs when its first requests are due. One run at a time. */
  run(options: WorkerLoadOptions, onStart?: () => void): Promise<LoadReport> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.running) return Promise.reject(new Error('load worker: a run is already going'));
    return new Promise((resolve, reject) => {
      this.running = { resolve, reject, onStart };
      this.worker.postMessage({ type: 'run', options } satisfies WorkerRequest);
    });
  }

  /** Lets the worker finish (after its run, if one is going) and waits for it to exit. */
  async close(): Promise<void> {
    if (this.gone) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    await exited;
  }
}
