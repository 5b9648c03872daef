// A JWT verify with the HS256 secret as raw bytes (jose imports them as a WebCrypto key on every call) against
// the same secret imported once as a CryptoKey (src/platform/auth/tokens.ts), one at a time and 16 at once:
//   node --import tsx docs/perf/jwt-key-import.mts
import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

const raw = new TextEncoder().encode('x'.repeat(40));
const imported = await webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
const token = await new SignJWT({ ver: 0 }).setProtectedHeader({ alg: 'HS256' }).setSubject('1').setIssuer('s').setExpirationTime('1h').sign(raw);

async function run(label: string, key: Uint8Array | webcrypto.CryptoKey, n: number, concurrency: number) {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i++ < n) await jwtVerify(token, key, { issuer: 's', algorithms: ['HS256'] });
  }));
  const wall = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${label.padEnd(22)} ${String(concurrency).padStart(2)} at once: ${((wall * 1000) / n).toFixed(1)} µs per verify, ${((cpu.user + cpu.system) / n).toFixed(1)} µs of CPU`);
}

// Alternating, two rounds: the host is shared, so compare within a round.
for (let round = 0; round < 2; round++) {
  for (const concurrency of [1, 16]) {
    await run('raw bytes (per call)', raw, 20_000, concurrency);
    await run('CryptoKey (once)', imported, 20_000, concurrency);
  }
}
