/**
 * BENCH_SYSTEM_ENV: settings for the measured system, `NAME=value` pairs separated by commas
 * (BENCH_SYSTEM_ENV=PGLITE_WASM_OPTIMIZE=true). The system is spawned with the configuration
 * variables of the bench's own environment removed (cleanEnv in src/testing/cli-process.ts), so
 * a setting to compare goes through here and is printed with the report.
 */
export function benchSystemEnv(raw = process.env['BENCH_SYSTEM_ENV'] ?? ''): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`BENCH_SYSTEM_ENV: "${pair}" is not NAME=value`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

/**
 * BENCH_SYSTEM_NODE_ARGS: flags for the measured system's node, separated by spaces
 * (BENCH_SYSTEM_NODE_ARGS="--trace-gc --max-semi-space-size=32"): how a trace of the system under the
 * bench's load is taken. Only flags: a word that is not one is refused, so a script or a value with a
 * space in it cannot slip in before the system's own entry.
 */
export function benchSystemNodeArgs(raw = process.env['BENCH_SYSTEM_NODE_ARGS'] ?? ''): string[] {
  const args = raw.split(/\s+/).filter(Boolean);
  const notFlag = args.find((a) => !a.startsWith('--'));
  if (notFlag !== undefined) throw new Error(`BENCH_SYSTEM_NODE_ARGS: "${notFlag}" is not a node flag (--name or --name=value)`);
  return args;
}

/**
 * How a benchmark spawns the system it measures: the profiler's flags (--profile) and BENCH_SYSTEM_NODE_ARGS.
 * With flags of the user's the system's output is echoed to the bench's stderr, since the traces such
 * flags ask for are printed there and the spawner keeps only its tail.
 */
export function systemNodeOptions(profileArgs: readonly string[] = [], raw?: string): { nodeArgs?: string[]; echo?: boolean } {
  const userArgs = benchSystemNodeArgs(raw);
  const nodeArgs = [...profileArgs, ...userArgs];
  return { ...(nodeArgs.length > 0 ? { nodeArgs } : {}), ...(userArgs.length > 0 ? { echo: true } : {}) };
}
