/** Child process of conformance.test.ts: runs one cron schedule on BUS_URL until killed (a second instance in another process). */
import { openBus } from '../open-bus.js';
import { migratedMemoryDb } from './targets.js';

const db = await migratedMemoryDb();
const bus = await openBus({ url: process.env['BUS_URL'], db });
bus.schedule({ name: process.env['CRON_NAME']!, everyMs: Number(process.env['CRON_EVERY_MS']), queue: process.env['CRON_QUEUE']! });
process.stdout.write('scheduling\n');
