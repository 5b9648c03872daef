import { Value } from '@sinclair/typebox/value';
import { ConfigSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Reads the settings from the environment (plus overrides, for tests and the
 * CLI) and fails fast, naming each bad variable and what it expected.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const known = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  Object.assign(raw, overrides);

  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const problems = [...Value.Errors(ConfigSchema, converted)].map((e) => {
    const name = e.path.replace(/^\//, '') || '(config)';
    return `${name}=${JSON.stringify(raw[name] ?? null)}: ${e.message}`;
  });
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${[...new Set(problems)].join('\n  ')}`);
  }
  return converted as Config;
}
