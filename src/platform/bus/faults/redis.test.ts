// @isolated: restarts the shared broker (and Redis), which would break suites running beside it.
import { faultSuite } from '../testing/fault-suite.js';

/** See ../testing/fault-suite.ts: redis restarted mid-stream, and the consumer process SIGKILLed, with 10,000 events. */
await faultSuite('redis');
