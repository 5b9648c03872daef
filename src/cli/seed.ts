import { parseArgs } from 'node:util';
import { defaultSeedFile, saveSeed } from '../loadgen/seed/seed-data.js';
import { seed as runSeed } from '../loadgen/seed/seeder.js';
import { BULK_HELP, bulkSeed } from './bulk-seed.js';
import { CATALOG_HELP, catalogSeed } from './catalog-seed.js';

const HELP = `usage: scalestack seed --users N --articles M [options]

Creates N users (through the API), a power-law follow graph and M articles,
and saves what load scenarios need (tokens, password, slugs) to a JSON file.
For large graphs (100,000 users and more) see \`scalestack seed --bulk --help\`.

  --users <n>          default 100
  --articles <n>       default 500
  --follows <n>        average follows per user (default 10)
  --concurrency <n>    requests in flight (default 16)
  --target <url>       default $TARGET or http://127.0.0.1:8080
  --out <file>         default ${defaultSeedFile()} ($DATA_DIR/seed.json when DATA_DIR is set)
  --random-seed <n>    default 1
`;

interface SeedArgs {
  help: boolean;
  target: string | undefined;
  out: string | undefined;
  users: number;
  articles: number;
  follows: number;
  concurrency: number;
  randomSeed: number;
}

function parseSeedArgs(args: string[]): SeedArgs {
  const { values } = parseArgs({
    args,
    options: {
      users: { type: 'string', default: '100' },
      articles: { type: 'string', default: '500' },
      follows: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '16' },
      target: { type: 'string' },
      out: { type: 'string' },
      'random-seed': { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  const int = (flag: 'users' | 'articles' | 'follows' | 'concurrency' | 'random-seed', min: number) => {
    const n = Number(values[flag]);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${flag} must be an integer >= ${min}, not "${values[flag]}"`);
    return n;
  };
  return {
    help: values.help,
    target: values.target,
    out: values.out,
    users: int('users', 1),
    articles: int('articles', 0),
    follows: int('follows', 0),
    concurrency: int('concurrency', 1),
    randomSeed: int('random-seed', 0),
  };
}

export async function seed(args: string[]): Promise<void> {
  if (args.some((a) => a === '--catalog' || a.startsWith('--catalog='))) {
    if (args.includes('--help')) return void process.stdout.write(CATALOG_HELP);
    try {
      await catalogSeed(args);
    } catch (err) {
      process.stderr.write(`scalestack seed --catalog: ${(err as Error).message}\n\n${CATALOG_HELP}`);
      process.exit(1);
    }
    return;
  }
  if (args.includes('--bulk')) {
    if (args.includes('--help')) return void process.stdout.write(BULK_HELP);
    try {
      await bulkSeed(args);
    } catch (err) {
      process.stderr.write(`scalestack seed --bulk: ${(err as Error).message}\n\n${BULK_HELP}`);
      process.exit(1);
    }
    return;
  }
  let parsed: SeedArgs;
  try {
    parsed = parseSeedArgs(args);
  } catch (err) {
    process.stderr.write(`scalestack seed: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return;
  }
  const target = parsed.target ?? process.env['TARGET'] ?? 'http://127.0.0.1:8080';
  const out = parsed.out ?? defaultSeedFile();
  const t0 = performance.now();
  try {
    const data = await runSeed({
      target,
      users: parsed.users,
      articles: parsed.articles,
      followsPerUser: parsed.follows,
      concurrency: parsed.concurrency,
      randomSeed: parsed.randomSeed,
    });
    await saveSeed(out, data);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    process.stdout.write(`seeded ${data.users.length} users, ${data.follows} follows, ${data.articles.length} articles on ${target} in ${seconds} s; saved to ${out}\n`);
  } catch (err) {
    process.stderr.write(`scalestack seed: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
