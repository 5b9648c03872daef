import { Worker } from 'node:worker_threads';
import type { LoadOptions } from '../../src/loadgen/run.js';
import type { LoadReport } from '../../src/loadgen/report/report.js';

/** What crosses to the worker: LoadOptions without functions or streams (a worker writes its live lines to stderr itself). */
export type WorkerLoadOptions = Omit<LoadOptions, 'live' | 'onStart'> & { live: boolean };

/** What the worker posts: that its clock started, then its report. */
export type WorkerMessage = { type: 'started' } | { type: 'report'; report: LoadReport };

/**
 * `runLoad` on a worker thread of its own: the open-model generator then has an event loop and a heap to
 * itself. On the bench's own thread it shared both with what the bench does meanwhile (a phase's other
 * requests, scrapes, the probe's queries): seen on 2026-12-04, a 20 ms collection of the bench's heap sent feed
 * reads 13-29 ms late, and their latencies, timed from when they were due, counted the generator's pause as
 * the system's. `onStart` runs when the worker's first requests are due (its modules loaded, its connections
 * open: about a second for a new worker), so work meant to run beside the load starts with it.
 */
export function runLoadOnWorker(options: WorkerLoadOptions, onStart?: () => void): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: options });
    let report: LoadReport | undefined;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'started') onStart?.();
      else report = message.report;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (report ? resolve(report) : reject(new Error(`load worker exited with code ${code} and no report`))));
  });
}
