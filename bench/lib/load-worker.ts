import { parentPort } from 'node:worker_threads';
import { runLoad } from '../../src/loadgen/run.js';
import type { WorkerMessage, WorkerRequest } from './load-on-worker.js';

// The worker side of load-on-worker.ts: runs one after another, each one's start and report (or failure)
// posted back, until the bench asks it to close. Messages queue while a run goes, so a close waits for it.
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);
let queue = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    if (request.type === 'close') return port.close();
    const { live, ...options } = request.options;
    try {
      const report = await runLoad({ ...options, live: live ? process.stderr : null, onStart: () => post({ type: 'started' }) });
      post({ type: 'report', report });
    } catch (err) {
      post({ type: 'failed', error: err instanceof Error ? err.message : String(err) });
    }
  });
});
