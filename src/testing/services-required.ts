/**
 * On a laptop, a test that needs a real server skips when the server is
 * absent; in CI (CI=true or REQUIRE_SERVICES=1) it fails instead, so CI can
 * never pass by skipping.
 */
export function servicesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['REQUIRE_SERVICES'] === '1';
}

/** `{ skip: reason }` for node:test when `reason` is set and services are optional; throws when they are required. */
export function skipUnlessAvailable(reason: string | null): { skip?: string } {
  if (reason === null) return {};
  if (servicesRequired()) throw new Error(`required service unavailable (CI/REQUIRE_SERVICES set): ${reason}`);
  return { skip: reason };
}
