import { setFlagsFromString } from 'node:v8';

/**
 * Which of V8's WebAssembly compilers run PGlite's Postgres (~9 MB of wasm): by default V8 compiles every
 * function with its baseline compiler (Liftoff) and then recompiles the hot ones with its optimizing
 * compiler (TurboFan) on background threads. For PGlite that second tier was most of an embedded start's
 * cost (docs/perf/results.md#memory-at-start, measured on this 2-core machine, same build alternated):
 * RSS after start 239–265 MB with it against 184–186 MB without, and 3.6–4.6 s of CPU against 1.8–2.3 s,
 * because Postgres's start-up and migrations run enough code to tier up much of it, and the optimized code and
 * the compiler's freed zones stay resident. Without it Postgres runs baseline code throughout: the figures
 * for queries are in the same section.
 *
 * V8 reads these flags when it compiles a module, so setting them before PGlite.create applies them to
 * PGlite's module; they are process-wide, and PGlite is the only WebAssembly this process compiles on its
 * hot path. Node documents changing V8 flags after start as unsupported in general; these two are read at
 * compile time only (V8's wasm compile options), and the test in pglite-wasm-tier.test.ts checks the effect.
 */
export function setPgliteWasmTier(optimize: boolean): void {
  setFlagsFromString(optimize ? '--no-liftoff-only' : '--liftoff-only');
}
