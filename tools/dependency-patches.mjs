// Changes made to a dependency's code while bundling the server (tools/build-server.mjs, ADR 0044): each one
// a few characters, kept only with a measured reason, and checked on every build: if its text is not in the
// installed package (an upgrade changed it), the build fails and asks for the measurement again.
import { readFileSync } from 'node:fs';

/**
 * @typedef {object} DependencyPatch
 * @property {string} file  the file inside node_modules, as `package/path`
 * @property {string} find  the text to replace, found exactly once
 * @property {string} replace  what replaces it
 * @property {string} why  the measured reason, and where it is written down
 */

/** @type {DependencyPatch[]} */
export const DEPENDENCY_PATCHES = [
  {
    file: 'bentocache/build/index.js',
    // createCacheEntryOptions, run on every bentocache operation.
    find: '{ ...defaults, ...newOptions }',
    replace: 'Object.assign({}, defaults, newOptions)',
    why:
      'On Node 20 (V8 11.3) an object literal made of two spreads gets a hidden class of its own once warm, and hidden ' +
      'classes live in the old generation until a mark-compact: a quarter of what the feed bench promoted (docs/perf/results.md, ' +
      '2026-12-05 "bentocache\'s option objects"; node docs/perf/spread-promotion.mjs).',
  },
];

/** `source` with `patch` applied; throws when its text is not there exactly once. */
export function applyPatch(patch, source) {
  const at = source.indexOf(patch.find);
  if (at === -1 || source.indexOf(patch.find, at + 1) !== -1) {
    throw new Error(
      `dependency patch for node_modules/${patch.file}: "${patch.find}" found ${at === -1 ? 'nowhere' : 'more than once'}; ` +
        `the package changed: measure again whether the patch is still needed (${patch.why}), then update or drop it in tools/dependency-patches.mjs`,
    );
  }
  return source.slice(0, at) + patch.replace + source.slice(at + patch.find.length);
}

/** The esbuild plugin that applies DEPENDENCY_PATCHES to the modules it loads. */
export function dependencyPatches(patches = DEPENDENCY_PATCHES) {
  return {
    name: 'dependency-patches',
    setup(build) {
      for (const patch of patches) {
        const filter = new RegExp(`[\\\\/]node_modules[\\\\/]${patch.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\//g, '[\\\\/]')}$`);
        build.onLoad({ filter }, ({ path }) => ({ contents: applyPatch(patch, readFileSync(path, 'utf8')), loader: 'js' }));
      }
    },
  };
}
