// The test suites compiled to JavaScript once, so each test process loads plain modules instead of going
// through tsx's loader hooks.
//
// Why: on Node 20 tsx registers its hooks on a thread of their own, and every module a process loads is a
// round trip to it, compiled or not. Importing the test system (src/testing/test-system.ts, ~800 modules with
// its packages) took 3.1-3.4 s and 4.4 s of CPU through tsx on a 2-core CI machine, 1.4-1.7 s and 1.7-1.9 s
// of CPU as compiled JavaScript; most of the ~200 test files import it, each in a process of its own
// (docs/perf/results.md, "CI: the suites run compiled", and ADR 0046).
//
// Each run builds a mirror of its own (.test-js/run-<pid>/ at the package root; a run beside it, a single file
// while the whole suite runs, must not rebuild what the other is loading) and removes it when it ends. The
// mirror keeps the layout, so paths that tests and modules work out from their own location still land on
// the same files:
//   - src/, bench/ and tools/ are rebuilt in it: each .ts/.mts compiled beside a copy of its source (a test
//     that reads or spawns the source finds it), a JavaScript module a symlink to the original (it runs from
//     its real path, as Node resolves symlinks), any other file a copy (kubectl kustomize, for one, does not
//     follow a symlinked kustomization.yaml);
//   - every other top-level entry (package.json, node_modules, build, docs, deploy, web...) is a symlink.
// TEST_FROM_SOURCE=1 runs the suites through tsx as before (tools/run-tests.mjs).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the runs' mirrors are, one folder each. */
export const MIRRORS_DIR = join(PACKAGE_ROOT, '.test-js');

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

/** This run's mirror folder; the folders of runs that are no longer running (killed before they cleaned up) go. */
export function mirrorForThisRun() {
  for (const name of existsSync(MIRRORS_DIR) ? readdirSync(MIRRORS_DIR) : []) {
    const pid = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (!pid || !alive(pid)) rmSync(join(MIRRORS_DIR, name), { recursive: true, force: true });
  }
  return join(MIRRORS_DIR, `run-${process.pid}`);
}

const COMPILED = ['src', 'bench', 'tools'];
/** Not linked into the mirror: the repository's own metadata, scratch space, and the mirror itself. */
const LEFT_OUT = new Set(['.git', '.scratch', '.test-js', ...COMPILED]);

const isSource = (name) => /\.m?ts$/.test(name) && !/\.d\.m?ts$/.test(name);
const isModule = (name) => /\.[cm]?js$/.test(name);
const compiledName = (name) => name.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs');

/** Every file under `dir` of `root`, relative to it (node_modules and dot-entries left out, as the runner does). */
function filesUnder(root, dir, out = []) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(root, path, out);
    else out.push(path);
  }
  return out;
}

/** Builds the mirror of the package at `root` in `mirror`, from scratch. Returns the number of modules compiled. */
export async function buildTestMirror(root, mirror) {
  rmSync(mirror, { recursive: true, force: true });
  mkdirSync(mirror, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (!LEFT_OUT.has(entry)) symlinkSync(join(root, entry), join(mirror, entry));
  }
  const files = COMPILED.filter((d) => existsSync(join(root, d))).flatMap((d) => filesUnder(root, d));
  const sources = files.filter((f) => isSource(f));
  for (const file of files) {
    const at = join(mirror, file);
    mkdirSync(dirname(at), { recursive: true });
    if (isModule(file)) symlinkSync(join(root, file), at);
    else copyFileSync(join(root, file), at);
  }
  // Module by module, as tsx compiles them (esbuild, with tsconfig.json's settings, for the running Node: a plain
  // `node20` would drop the import attributes JSON imports need), not bundled: each test process loads only what
  // it imports. Inline source maps: with --enable-source-maps a failure points at the .ts.
  const options = { absWorkingDir: root, outdir: mirror, outbase: '.', format: 'esm', platform: 'node', target: `node${process.versions.node}`, bundle: false, sourcemap: 'inline', logLevel: 'error' };
  // esbuild names every output .js; an .mts must become an .mjs, so those are a build of their own.
  await Promise.all([
    build({ ...options, entryPoints: sources.filter((f) => f.endsWith('.ts')) }),
    build({ ...options, entryPoints: sources.filter((f) => f.endsWith('.mts')), outExtension: { '.js': '.mjs' } }),
  ]);
  return sources.length;
}

/** Whether a mirror of `root` compiles `file`: a .ts or .mts module under its src/, bench/ or tools/. */
export function isMirrored(file, root) {
  const rel = relative(root, resolve(file));
  return COMPILED.some((d) => rel.startsWith(`${d}/`)) && isSource(rel);
}

/** The compiled counterpart in `mirror` of a suite file of `root`, or null for one the mirror does not compile. */
export function mirroredPath(file, root, mirror) {
  return isMirrored(file, root) ? join(mirror, compiledName(relative(root, resolve(file)))) : null;
}
