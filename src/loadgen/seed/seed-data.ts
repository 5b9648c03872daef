import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * What `scalestack seed` leaves for scenarios: every user's credentials and
 * token, and every article's slug. Scenarios read it instead of creating data
 * during the measured run.
 */
export interface SeedUser {
  username: string;
  email: string;
  token: string;
  /** How many seeded users follow this one (the power-law in-degree). */
  followers: number;
}

export interface SeedArticle {
  slug: string;
  author: string;
}

export interface SeedData {
  version: 1;
  target: string;
  createdAt: string;
  /** Every seeded user has this password (the auth scenario logs in with it). */
  password: string;
  users: SeedUser[];
  articles: SeedArticle[];
  follows: number;
  /** Ids of in-stock products the catalog listed at seed time (the shop scenario's shelf); absent in older seed files. */
  products?: number[];
}

/** reports/seed.json, or $DATA_DIR/seed.json when DATA_DIR is a directory (not memory://). */
export function defaultSeedFile(env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = env['DATA_DIR'];
  if (dataDir && !dataDir.includes('://')) return join(dataDir, 'seed.json');
  return join('reports', 'seed.json');
}

export async function saveSeed(file: string, data: SeedData): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Written then renamed, so a scenario never reads half a file.
  await writeFile(`${file}.tmp`, JSON.stringify(data));
  await rename(`${file}.tmp`, file);
}

export class SeedFileError extends Error {}

export async function loadSeed(file: string): Promise<SeedData> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SeedFileError(`no seed data at ${file}: run \`scalestack seed --users N --articles M\` first`);
    }
    throw err;
  }
  const data = JSON.parse(text) as Partial<SeedData>;
  if (data.version !== 1 || !Array.isArray(data.users) || !Array.isArray(data.articles) || typeof data.password !== 'string') {
    throw new SeedFileError(`${file} is not seed data of this version: run \`scalestack seed\` again`);
  }
  return data as SeedData;
}
