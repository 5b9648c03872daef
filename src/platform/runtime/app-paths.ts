import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the files beside the code are, found from the package root rather than from a module's own
 * URL: `npm start` runs a bundle (tools/build-server.mjs) whose modules sit in chunks at another
 * depth than their sources, while tests and `npx scalestack` run src/ through tsx.
 */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));

/** True when this process runs compiled JavaScript (build/, or the suite runner's mirror of the tree, ADR 0046), false when it runs src/ through tsx. */
export const RUNNING_COMPILED = import.meta.url.endsWith('.js');

/** build/ or src/: the CLI's entry and the files copied beside the code (contracts/catalog.proto) are under it. */
export const CODE_DIR = join(PACKAGE_ROOT, RUNNING_COMPILED ? 'build' : 'src');

/** The CLI this process runs from, and how to run it in a child: build/ directly, src/ through tsx. */
export const CLI_MAIN = join(CODE_DIR, 'cli', RUNNING_COMPILED ? 'main.js' : 'main.ts');
export const CLI_NODE_ARGS: readonly string[] = RUNNING_COMPILED ? [CLI_MAIN] : ['--import', 'tsx', CLI_MAIN];
