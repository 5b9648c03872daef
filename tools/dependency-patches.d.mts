/** Types of tools/dependency-patches.mjs, for the TypeScript that imports it. */
export interface DependencyPatch {
  /** The file inside node_modules, as `package/path`. */
  file: string;
  /** The text to replace, found exactly once. */
  find: string;
  /** What replaces it. */
  replace: string;
  /** The measured reason, and where it is written down. */
  why: string;
}
export declare const DEPENDENCY_PATCHES: DependencyPatch[];
export declare function applyPatch(patch: DependencyPatch, source: string): string;
export declare function dependencyPatches(patches?: DependencyPatch[]): { name: string; setup(build: unknown): void };
