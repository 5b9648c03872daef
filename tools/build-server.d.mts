/** tools/build-server.mjs: bundles src/cli/main.ts into build/ when stale; true when it built. */
export declare const BUILD_DIR: string;
export declare function buildServer(options?: { force?: boolean; quiet?: boolean; outDir?: string }): Promise<boolean>;
