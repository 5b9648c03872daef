/**
 * How much to fuzz, from the environment: `npm test` runs a fixed seed and a
 * modest number of runs; `npm run fuzz` (tools/fuzz.mjs) picks a random
 * seed, prints it, and runs many more. Replay a failure with the seed (and
 * path) fast-check printed: `FUZZ_SEED=... FUZZ_PATH=... FUZZ_ROUTE='POST /api/articles' npm run fuzz`.
 */
export interface FuzzSettings {
  seed: number;
  /** Requests per route on PGlite (a third of it through the gateway). */
  runs: number;
  /** Command sequences for the stateful part on PGlite (a third of it on Postgres). */
  sequences: number;
  /** fast-check's replay path of a reported counterexample. */
  path: string | undefined;
  /** Only the route "METHOD /pattern" (e.g. "POST /api/articles"). */
  route: string | undefined;
  /** The fuzzed system's log level: `error` shows the stack behind a 500 (silent by default). */
  logLevel: 'silent' | 'error' | 'warn' | 'info' | 'debug';
  /** Requests per route on the real Postgres (fewer: each statement is a network round trip). */
  postgresRuns: number;
}

/** The seed `npm test` uses: the same requests every time, so a red test is red for everyone. */
export const DEFAULT_SEED = 20261201;

function int(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

export function fuzzSettings(): FuzzSettings {
  const runs = int('FUZZ_RUNS', 60);
  return {
    seed: int('FUZZ_SEED', DEFAULT_SEED),
    runs,
    sequences: int('FUZZ_SEQUENCES', 12),
    path: process.env['FUZZ_PATH'] || undefined,
    route: process.env['FUZZ_ROUTE'] || undefined,
    logLevel: (process.env['FUZZ_LOG_LEVEL'] as FuzzSettings['logLevel'] | undefined) || 'silent',
    postgresRuns: int('FUZZ_POSTGRES_RUNS', Math.max(1, Math.round(runs / 3))),
  };
}
