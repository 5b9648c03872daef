// npm run fuzz: the route and stateful fuzzers (src/testing/fuzz/) with many more runs than `npm test`
// and a random seed, printed first so any failure can be replayed:
//   FUZZ_SEED=<seed> [FUZZ_ROUTE='POST /api/articles'] [FUZZ_PATH=<path fast-check printed>] npm run fuzz
// FUZZ_RUNS (requests per route, default 1000 here), FUZZ_SEQUENCES (command sequences, default 200)
// and FUZZ_POSTGRES_RUNS (per route on real Postgres) size the run; extra arguments go to node --test
// (e.g. --test-name-pattern=pglite to skip the real-Postgres pass).
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'src/testing/fuzz';
const env = { ...process.env };
env.FUZZ_SEED ||= String(randomInt(1, 2 ** 31 - 1));
env.FUZZ_RUNS ||= '1000';
env.FUZZ_SEQUENCES ||= '200';
console.error(`fuzz: FUZZ_SEED=${env.FUZZ_SEED} FUZZ_RUNS=${env.FUZZ_RUNS} FUZZ_SEQUENCES=${env.FUZZ_SEQUENCES}${env.FUZZ_ROUTE ? ` FUZZ_ROUTE='${env.FUZZ_ROUTE}'` : ''}${env.FUZZ_PATH ? ` FUZZ_PATH=${env.FUZZ_PATH}` : ''}`);

const files = readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f));
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=3600000', ...process.argv.slice(2), ...files];
const child = spawn(process.execPath, args, { stdio: 'inherit', env });
child.on('close', (code) => {
  console.error(`fuzz: ${code === 0 ? 'passed' : 'FAILED'}; replay with FUZZ_SEED=${env.FUZZ_SEED}`);
  process.exit(code ?? 1);
});
