/** tools/build-web.mjs: builds web/ to web/dist/ when stale; true when it built. */
export declare function buildWeb(options?: { force?: boolean; quiet?: boolean }): Promise<boolean>;
