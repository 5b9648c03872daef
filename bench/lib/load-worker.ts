import { parentPort, workerData } from 'node:worker_threads';
import { runLoad } from '../../src/loadgen/run.js';
import type { WorkerLoadOptions, WorkerMessage } from './load-on-worker.js';

// The worker side of load-on-worker.ts: one run, its start and its report posted back.
const { live, ...options } = workerData as WorkerLoadOptions;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);
const report = await runLoad({ ...options, live: live ? process.stderr : null, onStart: () => post({ type: 'started' }) });
post({ type: 'report', report });
