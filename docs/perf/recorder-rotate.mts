// What the load generator's once-a-second bookkeeping holds its thread for: the recorder's rotate (a summary per
// request type, merged into the run's totals) with 5 types of 30 samples (150 req/s), first call and steady,
// in a fresh process cold and after the engine's warm-up; and what one walk of hdr-histogram-js' own `mean` costs
// (the summary used it before the running sum, once per type and interval).
// Usage: node --import tsx docs/perf/recorder-rotate.mts [rounds]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { warmUpRecorder } from '../../src/loadgen/engine.js';
import { buildHistogram } from '../../src/loadgen/histogram.js';
import { Recorder } from '../../src/loadgen/recorder.js';

const TYPES = ['feed', 'author-articles', 'post', 'profile', 'article'];

function rotates(): string {
  const recorder = new Recorder();
  const times: string[] = [];
  for (let second = 1; second <= 6; second++) {
    for (let i = 0; i < 150; i++) recorder.record({ type: TYPES[i % TYPES.length]!, latencyMs: 1 + Math.random() * 10, error: null });
    const t = performance.now();
    recorder.rotate(second * 1000, 150, 0, 0);
    times.push((performance.now() - t).toFixed(2));
  }
  return times.join(' ');
}

const mode = process.argv[2];
if (mode === 'cold' || mode === 'warm') {
  if (mode === 'warm') warmUpRecorder();
  console.log(rotates());
} else {
  const rounds = Number(mode ?? 3);
  const self = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const variant of round % 2 ? ['warm', 'cold'] : ['cold', 'warm']) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', self, variant], { encoding: 'utf8' }).trim();
      console.log(`round ${round} ${variant}: rotate ms, seconds 1-6: ${out}`);
    }
  }
  const histogram = buildHistogram(3);
  for (let i = 0; i < 150; i++) histogram.recordValue(1000 + Math.round(Math.random() * 10_000));
  const walks: string[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    void histogram.mean;
    walks.push((performance.now() - t).toFixed(2));
  }
  console.log(`hdr-histogram-js mean (one walk of a 3-digit histogram), ms: ${walks.join(' ')}`);
}
