/**
 * The composition root for tests that build a system by hand (their own
 * logger or config) with startSystem. Tests under src/platform import it from
 * here: platform code may not import src/services/registry.ts directly.
 */
export { allServices } from '../services/registry.js';
