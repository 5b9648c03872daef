/** tools/build-server.mjs: compiles src/ to build/ when stale; true when it built. */
export declare const BUILD_DIR: string;
export declare function buildServer(options?: { force?: boolean; quiet?: boolean; outDir?: string }): Promise<boolean>;
