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
