/** tools/build-server.mjs: bundles src/cli/main.ts into build/ when stale; true when it built. */
export declare const BUILD_DIR: string;
export declare function buildServer(options?: { force?: boolean; quiet?: boolean; outDir?: string }): Promise<boolean>;
/** The bundle's `import()` calls whose target esbuild bundled as CommonJS ("importer -> package"); empty when safe. */
export declare function dynamicallyImportedCommonJs(metafile: {
  inputs: Record<string, { format?: 'cjs' | 'esm'; imports: Array<{ path: string; kind: string; external?: boolean; original?: string }> }>;
}): string[];
