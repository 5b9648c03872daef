import type { SeedData } from '../seed/seed-data.js';

/** One request a scenario wants sent; `type` groups it in histograms, thresholds and the report. */
export interface RequestSpec {
  type: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface ScenarioContext {
  /** What `scalestack seed` saved, or null when the scenario runs without it. */
  seed: SeedData | null;
  /** Deterministic per run (`--random-seed`), so two runs send the same mix. */
  random: () => number;
  /** `--path` for scenarios that hit one URL. */
  path: string;
}

/**
 * A load scenario: which requests to send, in what mix. The open-model engine
 * decides *when*; the scenario only picks *what*, synchronously, so picking
 * never delays a send.
 */
export interface Scenario {
  name: string;
  description: string;
  needsSeed: boolean;
  prepare(context: ScenarioContext): () => RequestSpec;
}

export class ScenarioError extends Error {}

/** The seed, or a message saying how to make one. */
export function requireSeed(context: ScenarioContext, scenario: string): SeedData {
  if (!context.seed) throw new ScenarioError(`scenario "${scenario}" needs seeded data: run \`scalestack seed\` first`);
  if (context.seed.users.length === 0) throw new ScenarioError(`scenario "${scenario}": the seed has no users`);
  return context.seed;
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

export function authHeaders(token: string, json = false): Record<string, string> {
  return { authorization: `Token ${token}`, ...(json ? JSON_HEADERS : {}) };
}

export function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}
