import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { openShards } from '../platform/sharding/open-shards.js';
import { moveKey, type MovableTable } from '../platform/sharding/move-key.js';
import { allServices } from '../services/registry.js';

const HELP = `usage: scalestack shard <where|move> <map> <key> [options]

  where <map> <key>                      the shard that owns the key
  move <map> <key> --to <index>          move the key online (copy, dual-write, verify counts, cut over, clean up)
       [--table schema.table:key_column:pk1+pk2]...   tables that follow the key (default: what the
                                         service owning <map> declares in its shardMaps)

Reads DATABASE_URL / DATA_DIR (the directory's home) and <MAP>_SHARDS,
<MAP>_SHARD_STRATEGY (must be directory to move) like the service does.
Run a move again after a crash: it resumes. See docs/patterns/sharding.md.
`;

function parseTable(spec: string): MovableTable {
  const [table, keyColumn, pk] = spec.split(':');
  if (!table || !keyColumn || !pk) throw new Error(`--table wants schema.table:key_column:pk1+pk2, got ${JSON.stringify(spec)}`);
  return { table, keyColumn, primaryKey: pk.split('+') };
}

/** `scalestack shard where|move`: inspect a directory map and move keys between shards while the service runs. */
export async function shard(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { to: { type: 'string' }, table: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  });
  const [action, mapName, key] = positionals;
  if (values.help || !action || !['where', 'move'].includes(action) || !mapName || key === undefined) {
    process.stdout.write(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const tables = values.table?.map(parseTable) ?? allServices.flatMap((s) => s.shardMaps ?? []).find((m) => m.name === mapName)?.tables;
  const to = values.to === undefined ? undefined : Number(values.to);
  if (action === 'move' && (to === undefined || !Number.isInteger(to) || to < 0 || !tables)) {
    process.stderr.write(to === undefined || !Number.isInteger(to) || to < 0 ? 'shard move: --to <index> is required\n' : `shard move: no service declares map ${mapName}; give --table\n`);
    process.exitCode = 2;
    return;
  }

  const config = loadConfig();
  const home = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 2, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  try {
    const map = await openShards({ name: mapName, home });
    try {
      if (action === 'where') {
        const index = await map.indexFor(key);
        process.stdout.write(`${mapName} ${key} → shard ${index} (${map.shards[index]!.label}, ${map.strategy})\n`);
        return;
      }
      const report = await moveKey({ map, home, key, to: to!, tables: tables!, log: (line) => void process.stdout.write(`${line}\n`) });
      process.stdout.write(report.moved ? `moved in ${report.ms} ms: ${JSON.stringify(report)}\n` : `${mapName} ${key} is already on shard ${to}\n`);
    } finally {
      await map.close();
    }
  } finally {
    await home.close();
  }
}
