#!/usr/bin/env node
// Bundles the server for `npm start` (src/cli/main.ts → build/cli/main.js, with code-split chunks in
// build/chunks/ for what loads later), when the build is missing or older than any source; otherwise a
// no-op of a few milliseconds.
// Why compiled, not tsx at run time as the tests do: tsx's loader runs every module's resolve and load
// on a second thread with its own V8 isolate, and Node parses an inline source map per file (~90 MB
// resident, docs/perf/results.md#memory-at-start). Why a bundle, not one .js per .ts: the start loads
// ~2,000 ES modules from node_modules (Fastify's, Kysely's and TypeBox's files), and resolving, reading
// and linking each one is most of the start; bundled, `scalestack --help` went from 1.5–1.7 s to
// 0.6–0.9 s (ADR 0040). esbuild only strips types (no type check: `npm run typecheck` does that).
// Files beside the code are found from the package root (src/platform/runtime/app-paths.ts); files that
// are not TypeScript (contracts/catalog.proto) are copied under build/ at their src/ path.
// `--force` always builds.
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dependencyPatches } from './dependency-patches.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
export const BUILD_DIR = join(root, 'build');

const isTest = (path) => /\.test\.ts$/.test(path) || /[\\/]testdata[\\/]/.test(path);

function sources(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, found);
    else if (!isTest(path)) found.push(path);
  }
  return found;
}

/**
 * Packages left to Node's resolver at run time: each finds files of its own from its location
 * (a native addon, WebAssembly, worker or script files, proto or static files under __dirname), which
 * a bundle would move away from; or is loaded only on demand and is large (the AWS SDK, email).
 */
const NOT_BUNDLED = [
  '@electric-sql/pglite', // postgres.wasm and its data file beside its module
  '@duckdb/*', 'duckdb', // native addon
  'argon2', 'sharp', // native addons
  'msgpackr', // optional native extension found from its directory
  'bullmq', // Lua scripts read from its directory, sandboxed processors forked from it
  'pino', 'thread-stream', // transports run in worker threads started from files beside them
  '@grpc/grpc-js', // channelz and ORCA load .proto files from its directory
  'ioredis', // reads its package.json from its directory
  'undici', // worker and WebAssembly files
  '@fastify/swagger', '@fastify/swagger-ui', // static files of the docs UI
  '@aws-sdk/*', 'nodemailer', 'smtp-server', 'mailparser', // only when BLOB_URL asks for S3, or with the first mail
  // Only with OTEL_EXPORTER_OTLP_ENDPOINT; and CommonJS imported with import(): bundled into a chunk of its own it
  // exports only `default` (Node's loader gives the named exports), and `scalestack start` failed at start with
  // "OTLPTraceExporter is not a constructor" (export.processes.test.ts).
  '@opentelemetry/exporter-trace-otlp-http',
  'esbuild', 'tsx', 'vite',
];

export async function buildServer({ force = false, quiet = false, outDir = BUILD_DIR } = {}) {
  const stamp = join(outDir, '.built');
  const files = sources(src);
  // The sources, the packages, and how they are bundled (this file and the patches it applies).
  const inputs = [...files, join(root, 'package-lock.json'), fileURLToPath(import.meta.url), fileURLToPath(new URL('./dependency-patches.mjs', import.meta.url))];
  const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
  if (!force && existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return false;
  const started = performance.now();
  const { build } = await import('esbuild');
  // Built beside, then swapped in: a process starting from build/ meanwhile never sees half of it.
  const next = `${outDir}.${process.pid}.partial`;
  rmSync(next, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(src, 'cli', 'main.ts')],
    outdir: next,
    outbase: src,
    absWorkingDir: root, // the metafile's paths, counted below, relative to the package root
    bundle: true,
    splitting: true, // what the start does not import (chaos, seeding, the AWS SDK...) stays in chunks loaded on use
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: NOT_BUNDLED,
    // CommonJS packages inside an ES module bundle call require() for Node's built-ins.
    banner: { js: "import { createRequire as __scalestackRequire } from 'node:module'; const require = __scalestackRequire(import.meta.url);" },
    // Beside each file, for a debugger or `node --enable-source-maps` (off by default: parsing them costs start time).
    sourcemap: 'linked',
    // V8 keeps each module's source in the heap, as one byte per character only if every character fits
    // in Latin-1: three en dashes in a kept comment made a 1.7 MB chunk 3.4 MB. ASCII output (esbuild escapes
    // strings, not regular expressions: main.js keeps a dependency's Cyrillic one), licence comments in
    // build/**/*.LEGAL.txt, whitespace and syntax minified (names kept, for stack traces and profiles):
    // the strings in the heap after an embedded start went from 15.3 to 10.7 MB.
    charset: 'ascii',
    legalComments: 'external',
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
    // A few characters of a dependency changed, each for a measured reason (ADR 0044).
    plugins: [dependencyPatches()],
  });
  const unsafe = dynamicallyImportedCommonJs(result.metafile);
  if (unsafe.length > 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`build-server: import() of CommonJS bundled into a chunk exports only \`default\` there (Node's loader would give the named exports); add the package to NOT_BUNDLED:\n  ${unsafe.join('\n  ')}`);
  }
  for (const file of files.filter((f) => !f.endsWith('.ts'))) {
    const target = join(next, relative(src, file));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(file, target);
  }
  writeFileSync(join(next, '.built'), new Date().toISOString());
  rmSync(outDir, { recursive: true, force: true });
  renameSync(next, outDir);
  if (!quiet) {
    const inputs = Object.keys(result.metafile.inputs);
    const ours = inputs.filter((f) => f.startsWith('src/')).length;
    const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length;
    console.log(`build-server: ${ours} sources and ${inputs.length - ours} package modules bundled into ${outputs} files in ${relative(root, outDir)}/ in ${Math.round(performance.now() - started)} ms`);
  }
  return true;
}

/**
 * Bundled modules (any copy of them in node_modules) whose import() of CommonJS would break, but which never
 * run: the OpenTelemetry host detector's machine id (src/platform/tracing/ uses no resource detector). Using
 * one means adding its package to NOT_BUNDLED.
 */
const NEVER_RUN_DYNAMIC_IMPORTS = ['@opentelemetry/resources/build/src/detectors/platform/node/machine-id/getMachineId.js'];

/**
 * `import('pkg')` calls whose target esbuild bundled as CommonJS, as "importer -> package": in a split chunk such a
 * module exports only `default`, so `const { Named } = await import('pkg')` gets undefined at run time.
 */
export function dynamicallyImportedCommonJs(metafile) {
  const found = [];
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    if (NEVER_RUN_DYNAMIC_IMPORTS.some((module) => importer.endsWith(`node_modules/${module}`))) continue;
    for (const imported of input.imports) {
      if (imported.kind === 'dynamic-import' && !imported.external && metafile.inputs[imported.path]?.format === 'cjs') {
        found.push(`${importer} -> ${imported.original ?? imported.path}`);
      }
    }
  }
  return found;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildServer({ force: process.argv.includes('--force') });
}
