import { auth } from './auth.js';
import { browse } from './browse.js';
import { get } from './get.js';
import { mixed } from './mixed.js';
import type { Scenario } from './scenario.js';
import { shop } from './shop.js';
import { social, socialReads } from './social.js';

/** Every scenario `scalestack load --scenario <name>` knows. */
export const scenarios: Readonly<Record<string, Scenario>> = { social, 'social-reads': socialReads, browse, auth, mixed, get, shop };
