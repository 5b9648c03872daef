/** Types of tools/test-mirror.mjs, for the TypeScript that imports it. */
/** The package root (this repository). */
export const PACKAGE_ROOT: string;
/** Where the runs' mirrors are (.test-js/), one folder each. */
export const MIRRORS_DIR: string;
/** This run's mirror folder (.test-js/run-<pid>); removes those of runs no longer running. */
export function mirrorForThisRun(): string;
/** Builds the compiled mirror of the package at `root` in `mirror`, from scratch; resolves to the number of modules compiled. */
export function buildTestMirror(root: string, mirror: string): Promise<number>;
/** Whether a mirror of `root` compiles `file`: a .ts or .mts module under its src/, bench/ or tools/. */
export function isMirrored(file: string, root: string): boolean;
/** The mirror's compiled counterpart of a suite file, or null for a file outside src/, bench/ and tools/ of `root`. */
export function mirroredPath(file: string, root: string, mirror: string): string | null;
