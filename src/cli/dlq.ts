import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config/load-config.js';
import { openDatabase } from '../platform/db/open-database.js';
import { runMigrations } from '../platform/db/migrations.js';
import { busMigrations } from '../platform/bus/migrations.js';
import { DeadLetterStore, type DeadLetter } from '../platform/bus/dead-letters.js';
import { replayDeadLetter } from '../platform/bus/replay.js';
import { OutboxRelay } from '../platform/bus/outbox.js';
import { openBus } from '../platform/bus/open-bus.js';

const HELP = `usage: scalestack dlq <list|show|replay> [options]

  list [--consumer <group|queue>] [--limit <n>] [--all]   dead letters, oldest first (--all includes replayed)
  show <id>                                              one dead letter in full (JSON)
  replay <id>... | --all [--consumer <c>]                send back through the outbox; each id at most once

Reads DATABASE_URL / DATA_DIR like \`scalestack start\`. With BUS_URL set the
replayed messages are published at once; embedded, the running system's
outbox relay publishes them.
`;

const line = (d: DeadLetter) =>
  `${String(d.id).padStart(6)}  ${d.failedAt.toISOString()}  ${d.kind.padEnd(5)}  ${d.consumer}  ${d.topic}  attempts=${d.attempts}${d.replayedAt ? '  (replayed)' : ''}\n         ${d.reason}\n`;

/** `scalestack dlq list|show|replay`: inspect and replay dead-lettered messages. */
export async function dlq(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { consumer: { type: 'string' }, limit: { type: 'string' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [action, ...ids] = positionals;
  if (values.help || !action || !['list', 'show', 'replay'].includes(action)) {
    process.stdout.write(HELP);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: 2, preparedStatements: config.DATABASE_PREPARED_STATEMENTS });
  try {
    await runMigrations(db, [busMigrations]);
    const store = new DeadLetterStore(db);
    if (action === 'list') {
      const letters = await store.list({ limit: Number(values.limit ?? 50), includeReplayed: values.all ?? false, ...(values.consumer ? { consumer: values.consumer } : {}) });
      process.stdout.write(letters.length === 0 ? 'no dead letters\n' : letters.map(line).join(''));
    } else if (action === 'show') {
      const letter = ids[0] ? await store.get(Number(ids[0])) : undefined;
      if (!letter) {
        process.stderr.write(`dead letter ${ids[0] ?? '(no id given)'} not found\n`);
        process.exitCode = 1;
      } else process.stdout.write(`${JSON.stringify(letter, null, 2)}\n`);
    } else {
      const targets = values.all
        ? (await store.list({ limit: 100_000, ...(values.consumer ? { consumer: values.consumer } : {}) })).map((d) => d.id)
        : ids.map(Number);
      if (targets.length === 0 || targets.some((n) => !Number.isInteger(n))) {
        process.stderr.write('replay: give dead letter ids, or --all\n');
        process.exitCode = 2;
        return;
      }
      for (const id of targets) process.stdout.write(`${id}: ${await replayDeadLetter(db, id)}\n`);
      if (config.BUS_URL) {
        const bus = await openBus({ url: config.BUS_URL, db, ...(config.BUS_NAMESPACE ? { namespace: config.BUS_NAMESPACE } : {}) });
        try {
          const relay = new OutboxRelay(db, bus);
          while ((await relay.relayBatch()) > 0);
        } finally {
          await bus.close();
        }
        process.stdout.write('published\n');
      } else process.stdout.write('queued in the outbox; the running system publishes it\n');
    }
  } finally {
    await db.close();
  }
}
