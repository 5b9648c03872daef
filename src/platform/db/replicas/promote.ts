import { asPostgres } from './local-replica.js';

/**
 * Promotes a standby on this machine (the failover step): `pg_ctl promote`
 * waits until it leaves recovery and accepts writes. Returns the ms it took.
 */
export async function promoteLocalStandby(dataDir: string): Promise<number> {
  const started = performance.now();
  await asPostgres('pg_ctl', ['-D', dataDir, '-w', '-t', '60', 'promote']);
  return Math.round(performance.now() - started);
}
