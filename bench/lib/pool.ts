// The load lab's helpers, shared: bounded concurrency for seeding, and the seeded generator so data is the same every run.
export { forEachBounded } from '../../src/loadgen/api-client.js';
export { prng } from '../../src/loadgen/random.js';
