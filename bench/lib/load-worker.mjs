// The worker's entry (load-on-worker.ts). Node 20 runs the bench's `--import tsx` on the main thread only, so
// the worker registers tsx itself before loading its TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./load-worker.ts');
