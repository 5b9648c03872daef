/** Child process of faults.test.ts: consumes TOPIC as GROUP into public.effects until killed (HOLD_AFTER: see EffectsOptions). */
import { openDatabase } from '../../db/open-database.js';
import { openBus } from '../open-bus.js';
import { consumeIntoEffects } from './fault-rig.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const db = await openDatabase({ url: env('DATABASE_URL'), dataDir: 'memory://', poolMax: 20 });
const bus = await openBus({ url: env('BUS_URL'), db, backoff: { baseMs: 50, maxMs: 1000, minMs: 20 } });
const holdAfter = process.env['HOLD_AFTER'];
await consumeIntoEffects(bus, db, env('TOPIC'), env('GROUP'), {
  ...(holdAfter ? { holdAfter: Number(holdAfter), onHold: () => process.stdout.write('holding\n') } : {}),
});
process.stdout.write('consuming\n');
